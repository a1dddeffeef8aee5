using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserDialectTests
{
    [Theory]
    [InlineData("\"IOS\"", null, ReportDialect.TrustKitIos, "IOS")]
    [InlineData("\"MACOS\"", null, ReportDialect.TrustKitIos, "MACOS")]
    [InlineData("\"OSX\"", null, ReportDialect.TrustKitIos, "MACOS")]
    [InlineData("\"osx\"", null, ReportDialect.TrustKitIos, "MACOS")]
    [InlineData("\"TVOS\"", null, ReportDialect.TrustKitIos, "TVOS")]
    [InlineData("\"WATCHOS\"", null, ReportDialect.TrustKitIos, "WATCHOS")]
    [InlineData("\"ANDROID\"", null, ReportDialect.TrustKitAndroid, "ANDROID")]
    [InlineData("\"android\"", "\"com.example\"", ReportDialect.TrustKitAndroid, "ANDROID")]
    [InlineData("\"VISIONOS\"", "\"com.example\"", ReportDialect.TrustKitIos, "VISIONOS")]
    [InlineData("\"VISIONOS\"", null, ReportDialect.TrustKitIos, "VISIONOS")]
    [InlineData(null, "\"com.example\"", ReportDialect.TrustKitIos, null)]
    [InlineData(null, "\"N/A\"", ReportDialect.TrustKitIos, null)]
    [InlineData("\"\"", "\"com.example\"", ReportDialect.TrustKitIos, null)]
    [InlineData("null", null, ReportDialect.Rfc7469, null)]
    [InlineData("\"\"", null, ReportDialect.Rfc7469, null)]
    [InlineData(null, null, ReportDialect.Rfc7469, null)]
    [InlineData(null, "null", ReportDialect.Rfc7469, null)]
    public void Dialect_FollowsAppPlatformThenAppBundleId(string? platform, string? bundleId, ReportDialect dialect, string? normalisedPlatform)
    {
        var report = ParseSingle(Report(("app-platform", platform), ("app-bundle-id", bundleId)));

        Assert.Equal(dialect, report.Dialect);
        Assert.Equal(normalisedPlatform, report.AppPlatform);
    }

    [Fact]
    public void Ios10EraReport_WithScrambledKeysAndEscapedSlashes_ParsesAsIos()
    {
        // TrustKit 1.0.x: no validation-result, app-vendor-id or app-platform; NSDictionary key order; "\/" escapes.
        const string body = """
            {"known-pins":["pin-sha256=\"rFjc3wG7lTZe43zeYTvPq8k4xdDEutCmIhI5dn4oCeE=\"","pin-sha256=\"TQEtdMbmwFgYUifM4LDF+xgEtd0z69mPGmkp014d6ZY=\""],
             "port":443,"app-bundle-id":"com.datatheorem.testtrustkit2","include-subdomains":false,
             "validated-certificate-chain":["-----BEGIN CERTIFICATE-----\nMIIE2TCCA8Gg\/NW2z\r\nAQH\/BAQD\n-----END CERTIFICATE-----"],
             "date-time":"2015-06-08T01:58:05Z","noted-hostname":"www.datatheorem.com","hostname":"www.datatheorem.com"}
            """;

        var report = ParseSingle(body);

        Assert.Equal(ReportDialect.TrustKitIos, report.Dialect);
        Assert.Null(report.ValidationResult);
        Assert.Null(report.AppVendorId);
        Assert.Null(report.AppPlatform);
        Assert.Null(report.EnforcePinning);
        Assert.Equal(443, report.Port);
        Assert.Equal(ClientTimeQuality.Utc, report.ClientTimeQuality);
        Assert.Equal(["-----BEGIN CERTIFICATE-----\nMIIE2TCCA8Gg/NW2z\r\nAQH/BAQD\n-----END CERTIFICATE-----"], report.ValidatedChain);
        Assert.StartsWith("pin-sha256=\"TQEt", report.KnownPins[0].Raw, StringComparison.Ordinal);
    }
}
