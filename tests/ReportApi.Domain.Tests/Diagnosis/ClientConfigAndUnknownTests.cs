using System.Text.Json;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class ClientConfigAndUnknownTests
{
    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Malformed_pins_are_a_client_config_error(ReportDialect dialect)
    {
        KnownPin[] pins = [new("pin-sha256=\"not-base64!\"", "pin-sha256", "not-base64!", null), new("garbage", null, null, null)];
        var report = Reports.For(dialect, [RekeyedLeaf, IntermediateA1, RootA], pins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Equal("client-config-error", diagnosis.CodeWire);
        Assert.Contains("2 of the 2 known pins", diagnosis.Explanation);
        Assert.Contains("'garbage', 'pin-sha256=\"not-base64!\"'", diagnosis.Explanation);
        Assert.Contains("can match no server key at all", diagnosis.Explanation);
        Assert.True(diagnosis.ChainTrusted);
    }

    [Fact]
    public void One_malformed_pin_beside_a_valid_one_is_still_a_config_error()
    {
        KnownPin[] pins = [Reports.Pin(Leaf), new("pin-sha256=\"c2hvcnQ=\"", "pin-sha256", "c2hvcnQ=", null)];
        var report = Reports.For(ReportDialect.TrustKitAndroid, [RekeyedLeaf, IntermediateA1, RootA], pins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Contains("1 of the 2 known pins", diagnosis.Explanation);
        Assert.Contains("a rotation to the key that pin was meant to cover fails", diagnosis.Explanation);
    }

    [Fact]
    public void Only_non_sha256_pins_is_a_config_error()
    {
        KnownPin[] pins = [new("pin-sha512=\"abc\"", "pin-sha512", "abc", null)];
        var report = Reports.For(ReportDialect.Rfc7469, [Leaf, IntermediateA1, RootA], pins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Contains("None of the 1 known pins", diagnosis.Explanation);
    }

    [Fact]
    public void No_pins_at_all_is_a_config_error()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], []);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Contains("lists no known pins", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    public void Validation_result_3_is_a_config_error(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [Leaf, IntermediateA1, RootA], [Reports.Pin(IntermediateA1), Reports.Pin(RootB)], validationResult: 3);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Contains("validation-result 3, invalid parameters", diagnosis.Explanation);
    }

    [Fact]
    public void Validation_result_3_outranks_an_intercepted_chain()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [MitmLeaf, MitmRoot], [Reports.Pin(IntermediateA1), Reports.Pin(RootB)], validationResult: 3);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Equal("mitmproxy", diagnosis.InterceptionProduct);
    }

    [Fact]
    public void Validation_result_5_from_a_modern_client_is_a_config_error()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], [Reports.Pin(IntermediateA1), Reports.Pin(RootB)], validationResult: 5);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ClientConfigError, diagnosis.Code);
        Assert.Contains("could not compute the SPKI hash", diagnosis.Explanation);
        Assert.Contains("(leaf key: ECDSA 256)", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void No_parsable_certificate_is_unknown(ReportDialect dialect)
    {
        const string placeholder = "-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygAwIBAgIDCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----";
        var report = Reports.For(dialect, [Leaf], [Reports.Pin(IntermediateA1), Reports.Pin(RootB)]) with
        {
            ValidatedChain = [placeholder, ""],
            ServedChain = dialect == ReportDialect.TrustKitIos ? null : ["garbage"],
        };

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.Unknown, diagnosis.Code);
        Assert.Equal("unknown", diagnosis.CodeWire);
        Assert.False(diagnosis.ChainTrusted);
        Assert.Null(diagnosis.ChangedPosition);
        Assert.Contains("carries no parsable certificate (validated chain: 2 element(s)", diagnosis.Explanation);
        Assert.Contains("first error: PEM block does not contain a valid X.509 certificate", diagnosis.Explanation);
    }

    [Fact]
    public void Empty_chains_are_unknown()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf], [Reports.Pin(IntermediateA1)]) with { ValidatedChain = [] };

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.Unknown, diagnosis.Code);
        Assert.Contains("validated chain: 0 element(s), served chain: 0)", diagnosis.Explanation);
    }

    [Fact]
    public void Unparsable_validated_chain_falls_back_to_the_served_chain()
    {
        var report = Reports.For(ReportDialect.Rfc7469, [MitmLeaf, MitmRoot], [Reports.Pin(IntermediateA1), Reports.Pin(RootB)]) with
        {
            ValidatedChain = ["garbage"],
        };

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal("mitmproxy", diagnosis.InterceptionProduct);
    }

    [Fact]
    public void Ios_docs_sample_is_judged_at_its_own_time_against_its_root()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestSamples.Path("trustkit-ios-docs-sample.json")));
        var pems = document.RootElement.GetProperty("validated-certificate-chain").EnumerateArray().Select(e => e.GetString()!).ToList();
        var chain = ReportApi.Domain.Certificates.ChainParser.Parse(pems);
        using var anchors = TrustAnchors.FromPemBundle(pems[2], useSystemStore: false);
        var report = new PinFailureReport
        {
            Dialect = ReportDialect.TrustKitIos,
            Hostname = "www.datatheorem.com",
            NotedHostname = "datatheorem.com",
            ValidationResult = 1,
            AppVersion = "1",
            TrustKitVersion = "1.3.1",
            ClientTimeQuality = ClientTimeQuality.Utc,
            ValidatedChain = pems,
            KnownPins = [Reports.Pin("rFjc3wG7lTZe43zeYTvPq8k4xdDEutCmIhI5dn4oCeE="), Reports.Pin("TQEtdMbmwFgYUifM4LDF+xgEtd0z69mPGmkp014d6ZY=")],
            RawJson = "{}",
        };

        var atReportTime = Diagnoser.Diagnose(report, chain, null, anchors, new DateTimeOffset(2015, 6, 8, 2, 0, 0, TimeSpan.Zero));
        var today = Diagnoser.Diagnose(report, chain, null, anchors, TestPki.Now);

        Assert.Equal(DiagnosisCode.ServerRotation, atReportTime.Code);
        Assert.True(atReportTime.ChainTrusted);
        Assert.True(atReportTime.HostnameMatches);
        Assert.Equal(DiagnosisCode.CertificateInvalid, today.Code);
        Assert.Contains("expired on 2015-11-01 23:59:59 UTC", today.Explanation);
    }
}
