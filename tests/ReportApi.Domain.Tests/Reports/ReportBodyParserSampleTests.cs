using System.Text.Json;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserSampleTests
{
    private static PinFailureReport ParseSample(string name)
    {
        var result = ReportBodyParser.Parse(ReportBodies.Sample(name), ReportLimits.Default);
        Assert.Empty(result.Problems);
        return Assert.Single(result.Reports);
    }

    private static string[] ChainAsSent(string sample, string key)
    {
        using var document = JsonDocument.Parse(ReportBodies.Sample(sample));
        return [.. document.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetString()!)];
    }

    [Fact]
    public void IosSample_ParsesAsTrustKitIosWithEveryField()
    {
        var report = ParseSample("trustkit-ios-docs-sample.json");

        Assert.Equal(ReportDialect.TrustKitIos, report.Dialect);
        Assert.Equal("www.datatheorem.com", report.Hostname);
        Assert.Equal("datatheorem.com", report.NotedHostname);
        Assert.Equal(443, report.Port);
        Assert.True(report.IncludeSubdomains);
        Assert.True(report.EnforcePinning);
        Assert.Equal(1, report.ValidationResult);
        Assert.Equal("com.datatheorem.testtrustkit2", report.AppBundleId);
        Assert.Equal("1", report.AppVersion);
        Assert.Equal("IOS", report.AppPlatform);
        Assert.Equal("10.2.0", report.AppPlatformVersion);
        Assert.Equal("599F9C00-92DC-4B5C-9464-7971F01F8370", report.AppVendorId);
        Assert.Equal("1.3.1", report.TrustKitVersion);
        Assert.Equal("2015-06-08T01:58:05Z", report.DateTimeRaw);
        Assert.Equal(new DateTimeOffset(2015, 6, 8, 1, 58, 5, TimeSpan.Zero), report.ClientTime);
        Assert.Equal(ClientTimeQuality.Utc, report.ClientTimeQuality);
        Assert.Null(report.KnownPinsExpirationDate);
        Assert.Null(report.EffectiveExpirationDate);
        Assert.Null(report.ServedChain);
    }

    [Fact]
    public void IosSample_KeepsTheThreeCrlfPemsExactlyAsSent()
    {
        var report = ParseSample("trustkit-ios-docs-sample.json");

        Assert.Equal(3, report.ValidatedChain.Count);
        Assert.Equal(ChainAsSent("trustkit-ios-docs-sample.json", "validated-certificate-chain"), report.ValidatedChain);
        Assert.All(report.ValidatedChain, pem =>
        {
            Assert.StartsWith("-----BEGIN CERTIFICATE-----\nMII", pem, StringComparison.Ordinal);
            Assert.Contains("\r\n", pem, StringComparison.Ordinal);
            Assert.EndsWith("\n-----END CERTIFICATE-----", pem, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void IosSample_SortsItsTwoPinsOrdinallyAndDecodesThem()
    {
        var report = ParseSample("trustkit-ios-docs-sample.json");

        Assert.Equal(
            ["pin-sha256=\"TQEtdMbmwFgYUifM4LDF+xgEtd0z69mPGmkp014d6ZY=\"", "pin-sha256=\"rFjc3wG7lTZe43zeYTvPq8k4xdDEutCmIhI5dn4oCeE=\""],
            report.KnownPins.Select(p => p.Raw));
        Assert.All(report.KnownPins, pin =>
        {
            Assert.Equal("pin-sha256", pin.Directive);
            Assert.True(pin.IsValidSha256);
            Assert.Equal(32, pin.Sha256!.Length);
        });
        Assert.Equal(Convert.FromBase64String("TQEtdMbmwFgYUifM4LDF+xgEtd0z69mPGmkp014d6ZY="), report.KnownPins[0].Sha256);
    }

    [Fact]
    public void IosSample_RawJsonKeepsReportKeysButNotVendorIdOrChains()
    {
        var report = ParseSample("trustkit-ios-docs-sample.json");

        using var raw = JsonDocument.Parse(report.RawJson);
        var keys = raw.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["app-bundle-id", "app-version", "app-platform", "app-platform-version", "trustkit-version", "hostname", "port",
             "noted-hostname", "include-subdomains", "enforce-pinning", "date-time", "known-pins", "validation-result"],
            keys);
        Assert.DoesNotContain("599F9C00", report.RawJson, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN CERTIFICATE", report.RawJson, StringComparison.Ordinal);
        Assert.Equal("www.datatheorem.com", raw.RootElement.GetProperty("hostname").GetString());
    }

    [Fact]
    public void AndroidSample_ParsesAsAndroidWithServedChainAndLocalTime()
    {
        var report = ParseSample("trustkit-android-docs-sample.json");

        Assert.Equal(ReportDialect.TrustKitAndroid, report.Dialect);
        Assert.Equal("ANDROID", report.AppPlatform);
        Assert.Equal("1.0.0", report.TrustKitVersion);
        Assert.Null(report.AppPlatformVersion);
        Assert.Equal(3, report.ValidatedChain.Count);
        Assert.Equal(ChainAsSent("trustkit-android-docs-sample.json", "served-certificate-chain"), report.ServedChain);
        Assert.Equal(2, report.ServedChain!.Count);
        Assert.Equal(ClientTimeQuality.LocalWithLiteralZ, report.ClientTimeQuality);
        Assert.Equal(new DateTimeOffset(2015, 6, 8, 1, 58, 5, TimeSpan.Zero), report.ClientTime);
        Assert.Equal("2015-06-08T01:58:05Z", report.DateTimeRaw);
        Assert.DoesNotContain("served-certificate-chain", report.RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void RfcSample_ParsesAsRfc7469AndKeepsPlaceholderPemsRaw()
    {
        var report = ParseSample("rfc7469-placeholder-pems.json");

        Assert.Equal(ReportDialect.Rfc7469, report.Dialect);
        Assert.Equal("www.example.com", report.Hostname);
        Assert.Equal("www.example.com", report.NotedHostname);
        Assert.Equal(443, report.Port);
        Assert.False(report.IncludeSubdomains);
        Assert.Null(report.EnforcePinning);
        Assert.Null(report.ValidationResult);
        Assert.Null(report.AppBundleId);
        Assert.Null(report.AppPlatform);
        Assert.Equal(ClientTimeQuality.Utc, report.ClientTimeQuality);
        Assert.Equal(new DateTimeOffset(2014, 4, 6, 13, 0, 50, TimeSpan.Zero), report.ClientTime);
        Assert.Equal(new DateTimeOffset(2014, 5, 1, 12, 40, 50, TimeSpan.Zero), report.EffectiveExpirationDate);
        Assert.Equal(["-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygAwIBAgIDCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----"], report.ValidatedChain);
        Assert.Equal(["-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygBQUAMEIxCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----"], report.ServedChain);
        Assert.Equal(2, report.KnownPins.Count);
        Assert.All(report.KnownPins, pin => Assert.True(pin.IsValidSha256));
    }
}
