using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis.Corpus;

/// <summary>
/// A held-out-style corpus of hard cases (issue 13): chains of the kinds that fooled the diagnosis before, each with the
/// contract's expected code. To add a case, add one entry to <see cref="All"/>: a name, the chain the client validated
/// (leaf first), the pins, the history the host had (chains seen earlier), the anchors when not the scenario's, and the
/// expected code (per dialect when the dialects differ). <see cref="HardCaseTests"/> runs every case in every dialect.
/// </summary>
public static class HardCases
{
    public sealed record Case(
        string Name,
        X509Certificate2[] Chain,
        KnownPin[] Pins,
        DiagnosisCode Expected,
        X509Certificate2[][]? SeenChains = null,
        TrustAnchors? Anchors = null,
        string? ExpectedProduct = null,
        string? ExplanationMentions = null,
        string? ExpectedChangedSpki = null)
    {
        public override string ToString() => Name;
    }

    // ECDSA P-384 all the way (the scenario PKI is P-256): a CA of our own, trusted through the operator roots.
    private static readonly ECDsa P384Root = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private static readonly ECDsa P384Int = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private static readonly ECDsa P384Leaf = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private static readonly X509Certificate2 EcRoot = SelfSigned("CN=Example EC Root P-384, O=Example CA Inc", P384Root);
    private static readonly X509Certificate2 EcIntermediate = Issue("CN=Example EC Issuing CA P-384, O=Example CA Inc", P384Int, EcRoot, P384Root, ca: true);
    private static readonly X509Certificate2 EcLeaf = Issue($"CN={Host}", P384Leaf, EcIntermediate, P384Int, ca: false);
    private static readonly TrustAnchors EcAnchors = TrustAnchors.FromCertificates([RootA, RootB, EcRoot], useSystemStore: false);

    // A2's key, cross-signed by the backup root B (both trusted) and by a legacy root that no store trusts any more.
    private static readonly X509Certificate2 A2CrossSignedByB = TestPki.Intermediate(IntermediateA2.Subject, "int-a2", RootB, "root-b");
    private static readonly X509Certificate2 LegacyRoot = TestPki.Root("CN=Example Legacy Root X1, O=Example CA Inc", "legacy-root");
    private static readonly X509Certificate2 A2CrossSignedByLegacy = TestPki.Intermediate(IntermediateA2.Subject, "int-a2", LegacyRoot, "legacy-root");

    // A CDN's certificate for its own name, from a public CA we also use.
    private static readonly X509Certificate2 CdnLeaf = TestPki.Leaf("edge.cdn-provider.example", "cdn-leaf", IntermediateA1, "int-a1");

    // Inspection products that name themselves: a Zscaler-style two-level CA and a FortiGate device CA.
    private static readonly X509Certificate2 ZscalerRoot = TestPki.Root("CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc., C=US", "zscaler-root");
    private static readonly X509Certificate2 ZscalerIntermediate = TestPki.Intermediate("CN=Zscaler Intermediate Root CA (zscloud.net), O=Zscaler Inc.", "zscaler-int", ZscalerRoot, "zscaler-root");
    private static readonly X509Certificate2 ZscalerLeaf = TestPki.Leaf(Host, "zscaler-leaf", ZscalerIntermediate, "zscaler-int");
    private static readonly X509Certificate2 FortiCa = TestPki.Root("CN=FGT60F0000000000, OU=Certificate Authority, O=Fortinet, C=US", "forti-ca");
    private static readonly X509Certificate2 FortiLeaf = TestPki.Leaf(Host, "forti-leaf", FortiCa, "forti-ca");

    // A corporate inspection CA the operator trusts (it is in the roots file): still not our server.
    private static readonly TrustAnchors AnchorsWithZscaler = TrustAnchors.FromCertificates([RootA, RootB, ZscalerRoot], useSystemStore: false);

    private static readonly X509Certificate2 UnknownIntermediate = TestPki.Intermediate("CN=Sentinel Issuing CA, O=Unnamed Org", "unknown-int", UnknownRoot, "unknown-root");
    private static readonly X509Certificate2 UnknownCaLeaf = TestPki.Leaf(Host, "unknown-leaf-3", UnknownIntermediate, "unknown-int");

    private static KnownPin[] Pins(params X509Certificate2[] pinned) =>
        [.. pinned.Select(Reports.Pin), Reports.UnrelatedPin("backup")];

    public static readonly Case[] All =
    [
        new("ecdsa-p384-leaf-only-of-our-ca-with-history", [EcLeaf], Pins(EcIntermediate), DiagnosisCode.CertificateInvalid,
            SeenChains: [[EcLeaf, EcIntermediate, EcRoot]], Anchors: EcAnchors, ExplanationMentions: "incomplete chain",
            ExpectedChangedSpki: TestPki.SpkiPin(EcIntermediate)),
        new("ecdsa-p384-full-chain-rekeyed-leaf", [EcLeaf, EcIntermediate, EcRoot], Pins(Leaf), DiagnosisCode.ServerRotation,
            Anchors: EcAnchors),
        new("ecdsa-p384-leaf-only-without-history", [EcLeaf], Pins(EcIntermediate), DiagnosisCode.InterceptionSuspected, Anchors: EcAnchors),
        new("cross-signed-intermediate-via-backup-root", [LeafUnderA2, A2CrossSignedByB], Pins(IntermediateA1), DiagnosisCode.ServerRotation,
            SeenChains: [[Leaf, IntermediateA1, RootA]]),
        new("cross-signed-intermediate-to-a-legacy-root-with-history", [LeafUnderA2, A2CrossSignedByLegacy, LegacyRoot], Pins(IntermediateA2),
            DiagnosisCode.CertificateInvalid, SeenChains: [[LeafUnderA2, IntermediateA2, RootA]], ExplanationMentions: "Serve the intermediate issued by",
            ExpectedChangedSpki: TestPki.SpkiPin(IntermediateA2)),
        new("cross-signed-intermediate-to-a-legacy-root-without-history", [LeafUnderA2, A2CrossSignedByLegacy, LegacyRoot], Pins(IntermediateA2),
            DiagnosisCode.InterceptionSuspected),
        new("cdn-certificate-for-another-name", [CdnLeaf, IntermediateA1, RootA], Pins(IntermediateA2), DiagnosisCode.CertificateInvalid,
            ExplanationMentions: "does not cover the host"),
        new("zscaler-named-inspection-ca", [ZscalerLeaf, ZscalerIntermediate, ZscalerRoot], Pins(IntermediateA1), DiagnosisCode.InterceptionSuspected,
            ExpectedProduct: "Zscaler"),
        new("zscaler-named-inspection-ca-trusted-by-the-operator", [ZscalerLeaf, ZscalerIntermediate, ZscalerRoot], Pins(IntermediateA1),
            DiagnosisCode.InterceptionSuspected, Anchors: AnchorsWithZscaler, ExpectedProduct: "Zscaler"),
        new("fortigate-device-ca", [FortiLeaf, FortiCa], Pins(IntermediateA1), DiagnosisCode.InterceptionSuspected, ExpectedProduct: "Fortinet FortiGate"),
        new("leaf-only-of-an-unknown-ca-with-history", [UnknownCaLeaf], Pins(IntermediateA1), DiagnosisCode.InterceptionSuspected,
            SeenChains: [[Leaf, IntermediateA1, RootA]]),
        new("leaf-only-of-our-ca-with-history", [Leaf], Pins(IntermediateA1), DiagnosisCode.CertificateInvalid,
            SeenChains: [[Leaf, IntermediateA1, RootA]], ExpectedChangedSpki: TestPki.SpkiPin(IntermediateA1)),
        new("self-signed-leaf-for-our-host", [TestPki.SelfSignedLeaf(Host, "self-signed-hard")], Pins(IntermediateA1), DiagnosisCode.InterceptionSuspected),
    ];

    /// <summary>The history the host would have built from the chains it saw earlier (what the writer records).</summary>
    public static DiagnosisContext History(Case c)
    {
        var keys = new Dictionary<string, SeenKey>();
        foreach (var chain in c.SeenChains ?? [])
        {
            for (var i = 0; i < chain.Length; i++)
            {
                var certificate = chain[i];
                var root = i == chain.Length - 1 && certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
                var role = i == 0 ? KeyRole.Leaf : root ? KeyRole.Root : KeyRole.Intermediate;
                keys[TestPki.SpkiPin(certificate)] = new SeenKey(role, certificate.Subject, certificate.Issuer,
                    certificate.NotAfter.ToUniversalTime(), role == KeyRole.Intermediate ? certificate.RawData : null);
            }
        }

        return new DiagnosisContext { SeenKeys = keys };
    }

    private static X509Certificate2 SelfSigned(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var withKey = request.CreateSelfSigned(TestPki.Now.AddYears(-5), TestPki.Now.AddYears(20));
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    private static X509Certificate2 Issue(string subject, ECDsa key, X509Certificate2 issuer, ECDsa issuerKey, bool ca)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA384);
        if (ca)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        else
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(Host);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        using var certificate = request.Create(issuer.SubjectName, generator, TestPki.Now.AddYears(-1), TestPki.Now.AddYears(2), serial);
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }
}
