namespace ReportApi.Domain.Reports;

/// <summary>Dialect and platform rules of reference §7.3 items 16-17.</summary>
internal static class DialectDetector
{
    private const string Android = "ANDROID";

    /// <param name="platform">The normalised <c>app-platform</c>, null when absent or empty.</param>
    /// <param name="hasBundleId">Whether <c>app-bundle-id</c> was sent as a string (sentinels included).</param>
    public static ReportDialect Detect(string? platform, bool hasBundleId)
    {
        if (platform is not null)
        {
            // app-platform is a TrustKit-only key; any value other than ANDROID comes from the Apple library (open enum).
            return platform == Android ? ReportDialect.TrustKitAndroid : ReportDialect.TrustKitIos;
        }

        // TrustKit iOS before 1.2.2 sent app-bundle-id but no app-platform; TrustKit-Android always sent app-platform.
        return hasBundleId ? ReportDialect.TrustKitIos : ReportDialect.Rfc7469;
    }
}
