using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Diagnosis;

/// <summary>Report bodies in the three dialects for the key-history tests, and a roots file for the service.</summary>
internal static class HistoryReports
{
    public const string Host = "api.history.example";
    public static readonly string Unpinned = $"pin-sha256=\"{Convert.ToBase64String(new byte[32])}\"";
    public static readonly string Backup = $"pin-sha256=\"{Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray())}\"";

    public static readonly string[] Dialects = ["ios", "android", "rfc7469"];

    private static int _sequence;

    // Fixed once: "now minus a counter" read the clock per report, so on a busy machine two reports posted two
    // seconds apart could carry the same second, the second one was a duplicate (204, not stored) and the test read
    // the report before it.
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UtcNow.AddMinutes(-5);

    /// <summary>One report of <paramref name="chain"/> (leaf first) in a dialect; <paramref name="dateTime"/> as the dialect writes it.</summary>
    public static JsonObject Body(string dialect, IList<X509Certificate2> chain, string device, DateTimeOffset? dateTime = null, string[]? pins = null)
    {
        pins ??= [Unpinned, Backup];
        // A distinct second per report: RFC 7469 reports carry no device id, so the raw date-time tells resends apart.
        var text = (dateTime ?? Epoch.AddSeconds(-Interlocked.Increment(ref _sequence))).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return dialect switch
        {
            "ios" => ReportJson.Ios(Host, chain, pins, vendorId: device, dateTime: text),
            "android" => ReportJson.Android(Host, chain, pins, vendorId: device, dateTime: text),
            _ => new JsonObject
            {
                ["date-time"] = text,
                ["hostname"] = Host,
                ["port"] = 443,
                ["effective-expiration-date"] = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["include-subdomains"] = false,
                ["served-certificate-chain"] = new JsonArray([.. chain.Select(c => (JsonNode)TestPki.AndroidPem(c))]),
                ["validated-certificate-chain"] = new JsonArray([.. chain.Select(c => (JsonNode)TestPki.AndroidPem(c))]),
                ["known-pins"] = new JsonArray([.. pins.Select(p => (JsonNode)p)]),
            },
        };
    }

    public static string RootsFile(params X509Certificate2[] roots)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, string.Concat(roots.Select(r => r.ExportCertificatePem() + "\n")));
        return path;
    }
}
