namespace ReportApi.Domain.Reports;

/// <summary>How far the client's <c>date-time</c> can be trusted (docs/decisions/0003-server-receive-time-is-the-time-axis.md: server receive time is the axis).</summary>
public enum ClientTimeQuality
{
    /// <summary>No <c>date-time</c> key, or JSON null.</summary>
    Missing,

    /// <summary>Parsed, and the dialect sends true UTC (TrustKit iOS from 1.4.1, RFC 7469).</summary>
    Utc,

    /// <summary>Parsed, but TrustKit-Android formats device-local wall-clock time with a literal <c>Z</c>.</summary>
    LocalWithLiteralZ,

    /// <summary>Present but unparseable (old iOS CJK locales, Android API 17 literal <c>HH</c>, non-ASCII digits).</summary>
    Unparseable,
}

public static class ClientTimeQualityNames
{
    public static string ToWire(ClientTimeQuality quality) => quality switch
    {
        ClientTimeQuality.Utc => "utc",
        ClientTimeQuality.LocalWithLiteralZ => "local-literal-z",
        ClientTimeQuality.Unparseable => "unparseable",
        _ => "missing",
    };

    /// <summary>The inverse of <see cref="ToWire"/>, for stored reports (anything else reads as missing).</summary>
    public static ClientTimeQuality FromWire(string? wire) => wire switch
    {
        "utc" => ClientTimeQuality.Utc,
        "local-literal-z" => ClientTimeQuality.LocalWithLiteralZ,
        "unparseable" => ClientTimeQuality.Unparseable,
        _ => ClientTimeQuality.Missing,
    };
}
