using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class TrustAnchorsTests(ITestOutputHelper output)
{
    [Fact]
    public void Pem_bundle_roots_anchor_chains_and_are_recognised_by_spki()
    {
        var bundle = TestPki.AndroidPem(RootA) + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + TestPki.IosPem(RootB);
        using var anchors = TrustAnchors.FromPemBundle(bundle, useSystemStore: false);

        var verification = anchors.Verify(Leaf, [IntermediateA1], TestPki.Now);

        Assert.Equal(2, anchors.OperatorRootCount);
        Assert.False(anchors.UseSystemStore);
        Assert.True(verification.Trusted);
        Assert.Equal("the operator roots (Diagnosis:TrustedRootsFile)", verification.TrustedBy);
        Assert.Equal(X509ChainStatusFlags.NoError, verification.Problems);
        Assert.Equal([Leaf.Subject, IntermediateA1.Subject, RootA.Subject], verification.Path.Select(e => e.Subject));
        Assert.Equal(TestPki.SpkiPin(RootA), verification.Path[2].SpkiSha256);
        Assert.True(verification.Path[2].IsSelfIssued);
        Assert.Equal(RootB.Subject, anchors.FindOperatorRoot(TestPki.SpkiPin(RootB)));
        Assert.Null(anchors.FindOperatorRoot(TestPki.SpkiPin(IntermediateA1)));
    }

    [Fact]
    public void Malformed_pem_bundle_throws_at_load()
    {
        Assert.ThrowsAny<CryptographicException>(() =>
            TrustAnchors.FromPemBundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", useSystemStore: false));
    }

    [Fact]
    public void Chain_to_an_unknown_root_is_untrusted_with_its_path()
    {
        var verification = Anchors.Verify(MitmLeaf, [MitmRoot], TestPki.Now);

        Assert.False(verification.Trusted);
        Assert.Null(verification.TrustedBy);
        Assert.True(verification.Problems.HasFlag(X509ChainStatusFlags.UntrustedRoot));
        Assert.Equal(MitmRoot.Subject, verification.Path[^1].Subject);
    }

    [Fact]
    public void Missing_intermediate_is_a_partial_chain()
    {
        var verification = Anchors.Verify(Leaf, [], TestPki.Now);

        Assert.False(verification.Trusted);
        Assert.True(verification.Problems.HasFlag(X509ChainStatusFlags.PartialChain));
        Assert.Equal(Leaf.Subject, Assert.Single(verification.Path).Subject);
    }

    [Fact]
    public void Expired_certificates_still_build_and_time_is_left_to_the_diagnosis()
    {
        var verification = Anchors.Verify(ExpiredLeaf, [IntermediateA1], TestPki.Now);

        Assert.True(verification.Trusted);
        Assert.Equal(X509ChainStatusFlags.NoError, verification.Problems);
        Assert.Equal(new DateTimeOffset(2025, 5, 30, 8, 15, 0, TimeSpan.Zero), verification.Path[0].NotAfter);
    }

    [Fact]
    public void None_trusts_nothing_and_system_only_reads_no_operator_roots()
    {
        var verification = TrustAnchors.None.Verify(Leaf, [IntermediateA1, RootA], TestPki.Now);

        Assert.False(verification.Trusted);
        Assert.Equal(0, TrustAnchors.SystemOnly.OperatorRootCount);
        Assert.True(TrustAnchors.SystemOnly.UseSystemStore);
        Assert.False(TrustAnchors.None.UseSystemStore);
    }

    [Fact]
    public void Caller_certificates_stay_usable_after_verification_and_anchor_disposal()
    {
        var anchors = TrustAnchors.FromCertificates([RootA], useSystemStore: false);
        anchors.Verify(Leaf, [IntermediateA1], TestPki.Now);
        anchors.Dispose();

        Assert.Equal("CN=Example Trust Root A, O=Example CA Inc, C=US", RootA.Subject);
        Assert.Equal(TestPki.SpkiPin(IntermediateA1.RawData), TestPki.SpkiPin(IntermediateA1));
        Assert.True(Anchors.Verify(Leaf, [IntermediateA1], TestPki.Now).Trusted);
    }

    [Fact]
    public void Concurrent_diagnoses_on_shared_anchors_agree()
    {
        var reports = new[]
        {
            (Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("p")]), DiagnosisCode.ServerRotation),
            (Reports.For(ReportDialect.TrustKitAndroid, [MitmLeaf, MitmRoot], [Reports.Pin(Leaf), Reports.UnrelatedPin("p")]), DiagnosisCode.InterceptionSuspected),
            (Reports.For(ReportDialect.Rfc7469, [ExpiredLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("p")]), DiagnosisCode.CertificateInvalid),
        };
        var results = new DiagnosisCode[300];

        Parallel.For(0, results.Length, i => results[i] = Reports.Diagnose(reports[i % 3].Item1).Code);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(reports[i % 3].Item2, results[i]);
        }
    }

    [Fact]
    public void Diagnosing_a_three_certificate_chain_costs_milliseconds_not_more()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [RekeyedLeaf, IntermediateA1, RootA], [Reports.Pin(Leaf), Reports.UnrelatedPin("q")]);
        var validated = ReportApi.Domain.Certificates.ChainParser.Parse(report.ValidatedChain);
        Diagnoser.Diagnose(report, validated, null, Anchors, TestPki.Now);

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            Diagnoser.Diagnose(report, validated, null, Anchors, TestPki.Now);
        }

        stopwatch.Stop();
        var perCall = stopwatch.Elapsed.TotalMilliseconds / 1000;
        output.WriteLine($"Diagnose, 3-certificate chain, operator roots only: {perCall:F3} ms per call");
        Assert.InRange(perCall, 0, 25); // about 1.5 ms alone on a dev machine; loose for loaded CI runners
    }
}
