namespace ReportApi.Domain.Reports;

/// <summary>
/// The one hostname rule (issue #18): lower case, without the DNS root's trailing dot, which is how ingestion stores
/// <c>hostname</c> and <c>noted-hostname</c> and how every filter and path parameter is compared with them. Two input
/// kinds differ only in what noise they shed:
/// <list type="bullet">
/// <item><see cref="FromReport"/>: a report's value is evidence and is kept as sent apart from case and one root dot
/// (the parser bounds its length and refuses control characters first).</item>
/// <item><see cref="FromParameter"/>: a query or path parameter is typed by a person, so surrounding whitespace and
/// any trailing dots go too.</item>
/// </list>
/// </summary>
public static class Hostnames
{
    /// <summary>The longest DNS name (RFC 1035: 255 octets on the wire, 253 characters written).</summary>
    public const int MaxLength = 253;

    /// <summary>A report's hostname: one trailing dot dropped, lower case (no allocation when it already is).</summary>
    public static string FromReport(string sent)
    {
        var host = sent.Length > 0 && sent[^1] == '.' ? sent[..^1] : sent;
        return host.ToLowerInvariant();
    }

    /// <summary>A parameter: whitespace around it and trailing dots dropped, lower case; blank becomes "".</summary>
    public static string FromParameter(string value) => value.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>A DNS name or an IP literal, at most <see cref="MaxLength"/> characters (what a chain can be served for).</summary>
    public static bool IsHost(string host) =>
        host.Length is > 0 and <= MaxLength && Uri.CheckHostName(host) != UriHostNameType.Unknown;
}
