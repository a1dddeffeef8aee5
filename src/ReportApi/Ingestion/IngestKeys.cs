using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReportApi.Domain.Reports;
using ReportApi.Observability;

namespace ReportApi.Ingestion;

/// <summary>
/// Finds the ingest key a request carries (<c>?key=</c>, or Basic auth from URL user-info) and decides per report
/// whether it vouches for the report's app. An app with a configured key accepts no report without it. Keys are compared as SHA-256 digests in constant time.
/// </summary>
internal sealed class IngestKeys(IOptions<IngestOptions> options)
{
    public const string KeyRequiredType = "https://pinreports.dev/problems/ingest-key-required";

    /// <summary>401 when a report's app has an ingest key configured and the request did not carry it.</summary>
    public ProblemHttpResult? Missing(IReadOnlyList<PinFailureReport> reports, string? presented)
    {
        var missing = reports.Select(r => r.AppBundleId).FirstOrDefault(app => IsRequired(app) && !Vouches(presented, app));
        if (missing is null) return null;
        ReportApiTelemetry.RequestRejected("ingest-key-required");
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Ingest key required",
            detail: $"Ingest:AppKeys configures a key for '{Truncate(missing)}': its reports must carry it in the report URL (?key=) or as Basic auth. Nothing from this request was stored.",
            type: KeyRequiredType);
    }

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

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";

    private static bool Matches(string configured, string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
