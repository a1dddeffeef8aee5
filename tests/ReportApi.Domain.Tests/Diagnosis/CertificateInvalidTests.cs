using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class CertificateInvalidTests
{
    private static readonly KnownPin[] OurPins = [Reports.Pin(IntermediateA1), Reports.Pin(RootB)];

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Expired_leaf_under_a_trusted_chain_names_the_leaf_and_its_not_after(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [ExpiredLeaf, IntermediateA1, RootA], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.Equal("certificate-invalid", diagnosis.CodeWire);
        Assert.True(diagnosis.ChainTrusted);
        Assert.True(diagnosis.Expired);
        Assert.True(diagnosis.PinMatched);
        Assert.Equal(0, diagnosis.ChangedPosition);
        Assert.Equal(ExpiredLeaf.Subject, diagnosis.ChangedSubject);
        Assert.Equal(TestPki.SpkiPin(ExpiredLeaf), diagnosis.ChangedSpki);
        Assert.Contains($"The leaf '{ExpiredLeaf.Subject}' (issuer '{IntermediateA1.Subject}', SPKI {TestPki.SpkiPin(ExpiredLeaf)}) expired on 2025-05-30 08:15:00 UTC", diagnosis.Explanation);
        Assert.Contains("before this report was received (2025-06-01 12:00:00 UTC)", diagnosis.Explanation);
        Assert.Contains("Renew the leaf", diagnosis.Explanation);
    }

    [Fact]
    public void Expired_intermediate_is_named_with_its_position()
    {
        var oldIntermediate = TestPki.Intermediate("CN=Example Issuing CA 0, O=Example CA Inc, C=US", "int-a0", RootA, "root-a",
            TestPki.Now.AddYears(-6), new DateTimeOffset(2025, 1, 31, 23, 59, 59, TimeSpan.Zero));
        var leaf = TestPki.Leaf(Host, "leaf-1", oldIntermediate, "int-a0");
        var report = Reports.For(ReportDialect.TrustKitIos, [leaf, oldIntermediate, RootA], OurPins);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Contains("The intermediate at position 1 'CN=Example Issuing CA 0, O=Example CA Inc, C=US'", diagnosis.Explanation);
        Assert.Contains("expired on 2025-01-31 23:59:59 UTC", diagnosis.Explanation);
        Assert.Contains("Serve the CA's current intermediate", diagnosis.Explanation);
    }

    [Fact]
    public void Not_yet_valid_leaf_is_invalid()
    {
        var early = TestPki.Leaf(Host, "leaf-1", IntermediateA1, "int-a1", new DateTimeOffset(2025, 6, 2, 0, 0, 0, TimeSpan.Zero), TestPki.Now.AddDays(90));
        var report = Reports.For(ReportDialect.TrustKitAndroid, [early, IntermediateA1, RootA], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.True(diagnosis.Expired);
        Assert.Contains("is not valid before 2025-06-02 00:00:00 UTC", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Wrong_hostname_names_the_leaf_and_its_dns_names(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [WrongHostLeaf, IntermediateA1, RootA], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.False(diagnosis.HostnameMatches);
        Assert.False(diagnosis.Expired);
        Assert.Equal(0, diagnosis.ChangedPosition);
        Assert.Equal("CN=static.example.net", diagnosis.ChangedSubject);
        Assert.Contains("does not cover the host 'api.example.com' (its DNS names: 'static.example.net'", diagnosis.Explanation);
    }

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("API.example.com", true)]
    [InlineData("a.b.example.com", false)]
    [InlineData("example.com", false)]
    public void Wildcard_leaf_matches_exactly_one_label(string host, bool matches)
    {
        var wildcard = TestPki.Leaf("*.example.com", "leaf-1", IntermediateA1, "int-a1");
        var report = Reports.For(ReportDialect.TrustKitIos, [wildcard, IntermediateA1, RootA], [Reports.Pin(RootB), Reports.UnrelatedPin("w")], host: host);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(matches, diagnosis.HostnameMatches);
        Assert.Equal(matches ? DiagnosisCode.ServerRotation : DiagnosisCode.CertificateInvalid, diagnosis.Code);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Served_chain_without_the_intermediate_is_an_incomplete_chain(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [Leaf, IntermediateA1, RootA], [Reports.Pin(RootB), Reports.UnrelatedPin("i")], validationResult: 2, served: [Leaf]);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.True(diagnosis.HostnameMatches);
        Assert.False(diagnosis.Expired);
        Assert.Equal(1, diagnosis.ChangedPosition);
        Assert.Equal(IntermediateA1.Subject, diagnosis.ChangedSubject);
        Assert.Contains($"incomplete chain: it omits the intermediate at position 1 '{IntermediateA1.Subject}'", diagnosis.Explanation);
        Assert.Contains("Add it to the server's certificate chain file", diagnosis.Explanation);
    }

    [Fact]
    public void Served_chain_with_the_intermediate_but_without_the_root_is_complete()
    {
        var report = Reports.For(ReportDialect.TrustKitAndroid, [Leaf, IntermediateA1, RootA], [Reports.Pin(RootB), Reports.UnrelatedPin("j")], served: [Leaf, IntermediateA1]);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
    }

    [Fact]
    public void Several_problems_are_all_listed_with_the_first_one_named()
    {
        var expiredElsewhere = TestPki.Leaf("static.example.net", "leaf-x", IntermediateA1, "int-a1", TestPki.Now.AddDays(-100), TestPki.Now.AddDays(-1));
        var report = Reports.For(ReportDialect.TrustKitIos, [expiredElsewhere, IntermediateA1, RootA], OurPins, validationResult: 2);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.True(diagnosis.Expired);
        Assert.False(diagnosis.HostnameMatches);
        Assert.Contains("expired on", diagnosis.Explanation);
        Assert.Contains("Also: The leaf", diagnosis.Explanation);
        Assert.Contains("does not cover the host 'api.example.com'", diagnosis.Explanation);
    }

    [Fact]
    public void Leaf_without_its_intermediate_is_incomplete_when_history_knows_the_intermediate()
    {
        var report = Reports.For(ReportDialect.TrustKitIos, [Leaf], [Reports.Pin(RootB), Reports.UnrelatedPin("k")], validationResult: 2);
        var context = new DiagnosisContext
        {
            SeenKeys = new Dictionary<string, SeenKey>
            {
                [TestPki.SpkiPin(IntermediateA1)] = new(KeyRole.Intermediate, IntermediateA1.Subject, RootA.Subject),
            },
        };

        var withHistory = Reports.Diagnose(report, context);
        var withoutHistory = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.CertificateInvalid, withHistory.Code);
        Assert.False(withHistory.ChainTrusted);
        Assert.Equal(1, withHistory.ChangedPosition);
        Assert.Equal(IntermediateA1.Subject, withHistory.ChangedSubject);
        Assert.Equal(TestPki.SpkiPin(IntermediateA1), withHistory.ChangedSpki);
        Assert.Contains("incomplete chain", withHistory.Explanation);
        Assert.Equal(DiagnosisCode.InterceptionSuspected, withoutHistory.Code);
        Assert.Contains($"Unless '{IntermediateA1.Subject}' is ours, the server side is fine", withoutHistory.Explanation);
    }
}
