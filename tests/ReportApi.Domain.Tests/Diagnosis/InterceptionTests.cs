using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class InterceptionTests
{
    private static readonly KnownPin[] OurPins = [Reports.Pin(IntermediateA1), Reports.Pin(RootB)];

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Mitmproxy_root_is_named(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [MitmLeaf, MitmRoot], OurPins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal("interception-suspected", diagnosis.CodeWire);
        Assert.Equal("mitmproxy", diagnosis.InterceptionProduct);
        Assert.False(diagnosis.ChainTrusted);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Equal(MitmRoot.Subject, diagnosis.ChangedSubject);
        Assert.Equal(TestPki.SpkiPin(MitmRoot), diagnosis.ChangedSpki);
        Assert.Contains("comes from mitmproxy: 'CN=mitmproxy, O=mitmproxy' is a certificate authority in it", diagnosis.Explanation);
        Assert.Contains("a developer or tester is inspecting the app's traffic with mitmproxy", diagnosis.Explanation);
        Assert.Contains($"SPKI {TestPki.SpkiPin(MitmLeaf)}", diagnosis.Explanation);
        Assert.Contains("The server side is fine", diagnosis.Explanation);
    }

    [Fact]
    public void Mitmproxy_leaf_sent_alone_is_still_named_through_its_issuer()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [MitmLeaf], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal("mitmproxy", diagnosis.InterceptionProduct);
        Assert.Equal(0, diagnosis.ChangedPosition);
        Assert.Equal("CN=mitmproxy, O=mitmproxy", diagnosis.ChangedIssuer);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Charles_proxy_root_is_named(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [CharlesLeaf, CharlesRoot], OurPins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal("Charles Proxy", diagnosis.InterceptionProduct);
        Assert.Contains("comes from Charles Proxy", diagnosis.Explanation);
        Assert.Contains("Charles Proxy CA (1 Jun 2025, laptop)", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Corporate_inspection_root_is_called_corporate_tls_inspection(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [AcmeLeaf, AcmeRoot], OurPins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal("a corporate TLS-inspection CA", diagnosis.InterceptionProduct);
        Assert.Equal(AcmeRoot.Subject, diagnosis.ChangedSubject);
        Assert.Contains("'CN=Acme Corp TLS Inspection CA, O=Acme Corp'", diagnosis.Explanation);
        Assert.Contains("corporate TLS-inspection proxy", diagnosis.Explanation);
        Assert.Contains("The server side is fine", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Unnamed_untrusted_root_is_interception_without_a_product(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [UnknownLeaf, UnknownRoot], OurPins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Null(diagnosis.InterceptionProduct);
        Assert.Contains($"ends at the root '{UnknownRoot.Subject}'", diagnosis.Explanation);
        Assert.Contains("neither the system trust store nor Diagnosis:TrustedRootsFile", diagnosis.Explanation);
        Assert.Contains("likely a corporate TLS-inspection proxy or an attacker", diagnosis.Explanation);
    }

    [Fact]
    public void Chain_whose_issuer_is_missing_says_it_may_be_our_missing_intermediate()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Contains($"its issuer '{IntermediateA1.Subject}' is not a known CA", diagnosis.Explanation);
        Assert.Contains("the server omits an intermediate", diagnosis.Explanation);
    }

    [Fact]
    public void Self_signed_leaf_is_interception_naming_the_leaf()
    {
        var selfSigned = TestPki.SelfSignedLeaf(Host, "self-signed");
        var report = Reports.For(ReportDialect.TrustKitAndroid, [selfSigned], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal(0, diagnosis.ChangedPosition);
        Assert.Equal($"CN={Host}", diagnosis.ChangedSubject);
        Assert.Contains($"'CN={Host}' (issuer 'CN={Host}', SPKI {TestPki.SpkiPin(selfSigned)}), is self-signed", diagnosis.Explanation);
    }

    [Fact]
    public void Interception_product_wins_even_when_the_operator_trusts_its_root()
    {
        var zscalerRoot = TestPki.Root("CN=Zscaler Root CA, O=Zscaler Inc.", "zscaler-root");
        var zscalerLeaf = TestPki.Leaf(Host, "zscaler-leaf", zscalerRoot, "zscaler-root");
        using var anchors = TrustAnchors.FromCertificates([RootA, zscalerRoot], useSystemStore: false);
        var report = Reports.For(ReportDialect.TrustKitIos, [zscalerLeaf, zscalerRoot], OurPins);

        var diagnosis = Reports.Diagnose(report, anchors: anchors);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.True(diagnosis.ChainTrusted);
        Assert.Equal("Zscaler", diagnosis.InterceptionProduct);
        Assert.Contains("builds to the operator roots (Diagnosis:TrustedRootsFile) here, but it belongs to an interception product", diagnosis.Explanation);
        Assert.Contains("corporate TLS-inspection proxy or endpoint security product", diagnosis.Explanation);
    }

    [Fact]
    public void Macos_user_defined_trust_anchor_result_4_is_interception_even_for_a_trusted_chain()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], OurPins, validationResult: 4) with { AppPlatform = "MACOS" };

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Contains("user-installed trust anchor", diagnosis.Explanation);
    }

    [Fact]
    public void Result_5_from_a_1_1_client_without_version_or_vendor_id_means_user_defined_anchor()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [UnknownLeaf, UnknownRoot], OurPins, validationResult: 5, trustKitVersion: null, vendorId: null);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Contains("reports validation-result 5", diagnosis.Explanation);
        Assert.Contains("user-installed trust anchor", diagnosis.Explanation);
    }

    [Fact]
    public void No_trust_anchors_at_all_makes_our_own_chain_untrusted()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], OurPins);

        var diagnosis = Reports.Diagnose(report, anchors: TrustAnchors.None);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.False(diagnosis.ChainTrusted);
        Assert.Equal(RootA.Subject, diagnosis.ChangedSubject);
    }
}
