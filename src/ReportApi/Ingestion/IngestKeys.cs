using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ReportApi.Ingestion;

/// <summary>
/// Finds the ingest key a request carries (<c>?key=</c>, or Basic auth from URL user-info) and decides per report
/// whether it vouches for the report's app. An app with a configured key accepts no report without it. Keys are compared as SHA-256 digests in constant time.
/// </summary>
internal sealed class IngestKeys(IOptions<IngestOptions> options)
{
    /// <summary>The presented key, or null when the request carries none.</summary>
    public static string? Presented(HttpRequest request)
    {
        if (request.Query.TryGetValue("key", out var query) && query.Count > 0 && !string.IsNullOrEmpty(query[0])) return query[0];
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            // Android's Base64.DEFAULT appends a newline to the header value; trim before decoding.
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            // https://KEY@host/... gives "KEY"; https://app:KEY@host/... gives "app:KEY".
            return colon < 0 ? decoded : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return header;
        }
    }

    /// <summary>Whether the key matches some configured app (a wrong key is a misconfiguration worth a 401).</summary>
    public bool IsKnown(string presented) => options.Value.AppKeys.Any(k => Matches(k.Key, presented));

    /// <summary>Whether the app has a key configured: then its reports must carry it (issue #22), or anyone could forge them.</summary>
    public bool IsRequired(string? app) => app is not null && options.Value.AppKeys.Any(k => k.App == app);

    /// <summary>Whether the key is the one configured for this app.</summary>
    public bool Vouches(string? presented, string? app) =>
        presented is not null && app is not null && options.Value.AppKeys.Any(k => k.App == app && Matches(k.Key, presented));

    private static bool Matches(string configured, string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
