using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

/// <summary>Issue 13: what the host's key history (keys of its own trusted chains seen before) changes in a diagnosis.</summary>
public sealed class KeyHistoryTests
{
    /// <summary>The history the host builds from an earlier complete chain leaf → A1 → root A, with A1's certificate.</summary>
    internal static DiagnosisContext Seen(params System.Security.Cryptography.X509Certificates.X509Certificate2[] chain)
    {
        var keys = new Dictionary<string, SeenKey>();
        for (var i = 0; i < chain.Length; i++)
        {
            var c = chain[i];
            var role = i == 0 ? KeyRole.Leaf : i == chain.Length - 1 && c.SubjectName.Name == c.IssuerName.Name ? KeyRole.Root : KeyRole.Intermediate;
            keys[TestPki.SpkiPin(c)] = new SeenKey(role, c.Subject, c.Issuer, c.NotAfter.ToUniversalTime(),
                role == KeyRole.Intermediate ? c.RawData : null, TestPki.Now.AddDays(-20), TestPki.Now.AddDays(-1));
        }

        return new DiagnosisContext { SeenKeys = keys };
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Leaf_only_chain_of_our_CA_with_history_is_an_incomplete_chain_not_interception(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [Leaf], [Reports.Pin(IntermediateA1), Reports.UnrelatedPin("backup")]);

        var diagnosis = Reports.Diagnose(report, Seen(Leaf, IntermediateA1, RootA));

        Assert.Equal(DiagnosisCode.CertificateInvalid, diagnosis.Code);
        Assert.Equal(TestPki.SpkiPin(IntermediateA1), diagnosis.ChangedSpki);
        Assert.Equal(IntermediateA1.Subject, diagnosis.ChangedSubject);
        Assert.Contains("incomplete chain", diagnosis.Explanation);
        Assert.Contains("this is not interception", diagnosis.Explanation);
        Assert.DoesNotContain("do not change pins or certificates", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Leaf_only_chain_of_our_CA_without_history_stays_interception_suspected(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [Leaf], [Reports.Pin(IntermediateA1)]);

        Assert.Equal(DiagnosisCode.InterceptionSuspected, Reports.Diagnose(report).Code);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Leaf_only_chain_of_an_unknown_CA_stays_interception_suspected_with_history(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [UnknownLeafUnderIntermediate], [Reports.Pin(IntermediateA1)]);

        var diagnosis = Reports.Diagnose(report, Seen(Leaf, IntermediateA1, RootA));

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void A_leaf_whose_issuer_copies_our_intermediates_name_is_interception_because_the_signature_is_not_ours(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [ForgedNameLeaf], [Reports.Pin(IntermediateA1)]);

        var diagnosis = Reports.Diagnose(report, Seen(Leaf, IntermediateA1, RootA));

        Assert.Equal(DiagnosisCode.InterceptionSuspected, diagnosis.Code);
        Assert.Equal(IntermediateA1.Subject, ForgedNameLeaf.Issuer); // the name alone would have matched
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Rotation_names_the_replaced_pinned_intermediate_its_expiry_and_the_same_root(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [LeafUnderA2, IntermediateA2, RootA], [Reports.Pin(IntermediateA1), Reports.UnrelatedPin("backup")]);

        var diagnosis = Reports.Diagnose(report, Seen(Leaf, IntermediateA1, RootA));

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Equal(IntermediateA2.Subject, diagnosis.ChangedSubject);
        Assert.Equal(IntermediateA1.Subject, diagnosis.ReplacedSubject);
        Assert.Equal(TestPki.SpkiPin(IntermediateA1), diagnosis.ReplacedSpki);
        Assert.Contains($"the pinned intermediate '{IntermediateA1.Subject}' (SPKI {TestPki.SpkiPin(IntermediateA1)}, valid until "
            + IntermediateA1.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture)
            + ") was replaced by", diagnosis.Explanation);
        Assert.Contains($"issued by the same root '{RootA.Subject}'", diagnosis.Explanation);
    }

    [Theory]
    [InlineData(ReportDialect.TrustKitIos)]
    [InlineData(ReportDialect.TrustKitAndroid)]
    [InlineData(ReportDialect.Rfc7469)]
    public void Without_history_the_rotation_cannot_name_the_replaced_key(ReportDialect dialect)
    {
        var report = Reports.For(dialect, [LeafUnderA2, IntermediateA2, RootA], [Reports.Pin(IntermediateA1), Reports.UnrelatedPin("backup")]);

        var diagnosis = Reports.Diagnose(report);

        Assert.Equal(DiagnosisCode.ServerRotation, diagnosis.Code);
        Assert.Null(diagnosis.ReplacedSpki);
        Assert.Null(diagnosis.ChangedSubject);
    }

    [Fact]
    public void Only_the_hosts_own_chain_is_offered_to_the_history()
    {
        var own = Reports.Diagnose(Reports.For(ReportDialect.TrustKitIos, [Leaf, IntermediateA1, RootA], [Reports.UnrelatedPin("x")]));
        var otherName = Reports.Diagnose(Reports.For(ReportDialect.TrustKitIos, [WrongHostLeaf, IntermediateA1, RootA], [Reports.UnrelatedPin("x")]));
        var proxy = Reports.Diagnose(Reports.For(ReportDialect.TrustKitIos, [MitmLeaf, MitmRoot], [Reports.UnrelatedPin("x")]));

        Assert.Equal([TestPki.SpkiPin(Leaf), TestPki.SpkiPin(IntermediateA1), TestPki.SpkiPin(RootA)], own.HostChain!.Select(e => e.SpkiSha256));
        Assert.Null(otherName.HostChain);
        Assert.Null(proxy.HostChain);
    }

    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 UnknownIntermediate =
        TestPki.Intermediate("CN=Sentinel Issuing CA, O=Unnamed Org", "unknown-int", UnknownRoot, "unknown-root");

    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 UnknownLeafUnderIntermediate =
        TestPki.Leaf(Host, "unknown-leaf-2", UnknownIntermediate, "unknown-int");

    /// <summary>An attacker's CA that copies the name of our intermediate A1 (but not its key).</summary>
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 ForgedIntermediate =
        TestPki.Intermediate(IntermediateA1.Subject, "forged-int", UnknownRoot, "unknown-root");

    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 ForgedNameLeaf =
        TestPki.Leaf(Host, "forged-leaf", ForgedIntermediate, "forged-int");
}
