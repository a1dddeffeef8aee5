using System.Globalization;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Diagnosis;

/// <summary>Phrases shared by the explanations, so every explanation names certificates the same way.</summary>
internal static class Wording
{
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Certificate(string subject, string issuer, string spki) =>
        $"'{subject}' (issuer '{issuer}', SPKI {spki})";

    public static string Certificate(ChainPathElement element) =>
        Certificate(element.Subject, element.Issuer, element.SpkiSha256);

    public static string Certificate(ChainKey key) => Certificate(key.Subject, key.Issuer, key.SpkiSha256);

    /// <summary>"the leaf", "the intermediate at position 1", "the root at position 2".</summary>
    public static string Role(int pathIndex, int pathLength, bool selfIssued) =>
        pathIndex == 0 ? "the leaf"
        : pathIndex == pathLength - 1 && selfIssued ? $"the root at position {pathIndex}"
        : $"the intermediate at position {pathIndex}";

    public static string App(PinFailureReport report)
    {
        var app = report.AppBundleId ?? "the app";
        var version = report.AppVersion is { Length: > 0 } v ? $" {v}" : "";
        var platform = report.AppPlatform is { Length: > 0 } p ? $" on {p}" : "";
        return app + version + platform;
    }

    public static string Version(PinFailureReport report) =>
        report.AppVersion is { Length: > 0 } v ? $"version {v}" : "the reporting version";

    public static string List(IEnumerable<string> items, int max = 3)
    {
        var all = items.ToList();
        var shown = string.Join(", ", all.Take(max));
        return all.Count > max ? $"{shown} and {all.Count - max} more" : shown;
    }
}
