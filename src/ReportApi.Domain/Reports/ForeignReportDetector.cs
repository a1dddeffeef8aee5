using System.Text.Json;

namespace ReportApi.Domain.Reports;

/// <summary>
/// Recognises the other browser report families (reference §7.2 item 15, after Sentry's type detection) so a
/// misconfigured report-uri gets a 400 that says what was posted instead of a list of missing keys.
/// </summary>
internal static class ForeignReportDetector
{
    private const string Accepted = "PinReports accepts pin-validation reports (TrustKit or RFC 7469 HPKP).";
    private const int MaxEchoedTypeChars = 64;

    /// <summary>A problem message when <paramref name="report"/> (an object without <c>known-pins</c>) is a foreign report.</summary>
    public static string? Recognise(JsonElement report)
    {
        if (report.TryGetProperty("csp-report"u8, out _))
        {
            return "This looks like a CSP violation report (\"csp-report\" wrapper); " + Accepted;
        }

        if (report.TryGetProperty("expect-ct-report"u8, out _))
        {
            return "This looks like an Expect-CT report (\"expect-ct-report\" wrapper); " + Accepted;
        }

        if (report.TryGetProperty("expect-staple-report"u8, out _))
        {
            return "This looks like an Expect-Staple report (\"expect-staple-report\" wrapper); " + Accepted;
        }

        if (report.TryGetProperty("type"u8, out var type) && report.TryGetProperty("body"u8, out _))
        {
            var typeName = type.ValueKind == JsonValueKind.String ? type.GetString() ?? "" : JsonKinds.Describe(type.ValueKind);
            if (typeName.Length > MaxEchoedTypeChars)
            {
                typeName = typeName[..MaxEchoedTypeChars];
            }

            return $"This looks like a Reporting API report (type \"{typeName}\"); " + Accepted;
        }

        return null;
    }
}
