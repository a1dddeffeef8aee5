using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Diagnosis;
using static ReportApi.Domain.Tests.Diagnosis.ScenarioPki;

namespace ReportApi.Domain.Tests.Diagnosis;

/// <summary>
/// Issue 21: a never-seen leaf under a known issuer reuses the issuer's built path. These tests hold the cached answer
/// to the full <see cref="X509Chain"/> build, chain by chain, so the cache can never change a verdict.
/// </summary>
public sealed class IssuerCacheTests
{
    public static TheoryData<string> Chains => new()
    {
        "trusted A1", "trusted A1 with root", "trusted B", "rotated A2", "expired leaf", "wrong host", "partial (no intermediate sent)",
        "mitm", "charles", "acme", "unknown", "forged leaf", "foreign leaf under A1 name",
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Cached_issuer_path_gives_the_full_build_answer(string name)
    {
        var (leaf, others) = Chain(name);
        using var anchors = TrustAnchors.FromCertificates([RootA, RootB], useSystemStore: false);

        var full = anchors.VerifyWithoutIssuerCache(leaf, others, TestPki.Now);
        var first = anchors.Verify(leaf, others, TestPki.Now);
        var second = anchors.Verify(leaf, others, TestPki.Now);

        foreach (var cached in new[] { first, second })
        {
            Assert.Equal(full.Trusted, cached.Trusted);
            Assert.Equal(full.TrustedBy, cached.TrustedBy);
            Assert.Equal(full.Problems, cached.Problems);
            Assert.Equal(full.Path, cached.Path);
        }
    }

    [Fact]
    public void New_leaves_under_a_seen_issuer_do_not_build_again()
    {
        using var anchors = TrustAnchors.FromCertificates([RootA, RootB], useSystemStore: false);
        anchors.Verify(Leaf, [IntermediateA1], TestPki.Now);
        var builds = anchors.ChainBuilds;

        var verification = anchors.Verify(FreshLeaf(IntermediateA1, "int-a1"), [IntermediateA1], TestPki.Now);

        Assert.True(verification.Trusted);
        Assert.Equal(3, verification.Path.Count);
        Assert.Equal(builds, anchors.ChainBuilds);
        Assert.True(anchors.IssuerCacheHits > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rsa_issuers_use_the_cache_with_the_full_build_answer(bool trustRoot)
    {
        var (root, intermediate, leaves) = RsaChain();
        using var anchors = TrustAnchors.FromCertificates(trustRoot ? [root] : [RootA], useSystemStore: false);
        anchors.Verify(leaves[0], [intermediate, root], TestPki.Now);
        var builds = anchors.ChainBuilds;

        var cached = anchors.Verify(leaves[1], [intermediate, root], TestPki.Now);
        var full = anchors.VerifyWithoutIssuerCache(leaves[1], [intermediate, root], TestPki.Now);

        Assert.Equal(builds, anchors.ChainBuilds - 1); // only the comparison build above
        Assert.Equal(trustRoot, cached.Trusted);
        Assert.Equal(full.Trusted, cached.Trusted);
        Assert.Equal(full.TrustedBy, cached.TrustedBy);
        Assert.Equal(full.Problems, cached.Problems);
        Assert.Equal(full.Path, cached.Path);
    }

    [Fact]
    public void A_leaf_signed_by_another_key_under_a_known_issuer_name_is_built_and_untrusted()
    {
        using var anchors = TrustAnchors.FromCertificates([RootA, RootB], useSystemStore: false);
        anchors.Verify(Leaf, [IntermediateA1], TestPki.Now);

        var forged = anchors.Verify(FreshLeaf(IntermediateA1, "not-int-a1"), [IntermediateA1], TestPki.Now);

        Assert.False(forged.Trusted);
        Assert.True(forged.Problems.HasFlag(X509ChainStatusFlags.NotSignatureValid) || forged.Problems.HasFlag(X509ChainStatusFlags.PartialChain));
    }

    private static (X509Certificate2 Leaf, X509Certificate2[] Others) Chain(string name) => name switch
    {
        "trusted A1" => (Leaf, [IntermediateA1]),
        "trusted A1 with root" => (RekeyedLeaf, [IntermediateA1, RootA]),
        "trusted B" => (LeafUnderB, [IntermediateB]),
        "rotated A2" => (LeafUnderA2, [IntermediateA2, RootA]),
        "expired leaf" => (ExpiredLeaf, [IntermediateA1]),
        "wrong host" => (WrongHostLeaf, [IntermediateA1]),
        "partial (no intermediate sent)" => (Leaf, []),
        "mitm" => (MitmLeaf, [MitmRoot]),
        "charles" => (CharlesLeaf, [CharlesRoot]),
        "acme" => (AcmeLeaf, [AcmeRoot]),
        "unknown" => (UnknownLeaf, [UnknownRoot]),
        "forged leaf" => (FreshLeaf(IntermediateA1, "not-int-a1"), [IntermediateA1]),
        "foreign leaf under A1 name" => (FreshLeaf(IntermediateA1, "int-a1"), [IntermediateA2, IntermediateA1]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>A new leaf (same key, new serial) naming <paramref name="issuer"/>, signed with the key named <paramref name="signingKey"/>.</summary>
    private static X509Certificate2 FreshLeaf(X509Certificate2 issuer, string signingKey)
    {
        var request = new CertificateRequest($"CN={Host}", TestPki.Key("leaf-1"), HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(Host);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        var generator = X509SignatureGenerator.CreateForECDsa(TestPki.Key(signingKey));
        return request.Create(issuer.SubjectName, generator, TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), serial);
    }

    /// <summary>RSA-2048 root, intermediate and two leaves (same key, different serials), signed PKCS#1 v1.5 with SHA-256.</summary>
    private static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2[] Leaves) RsaChain()
    {
        var rootKey = TestPki.RsaKey("issuer-cache-rsa-root");
        var intKey = TestPki.RsaKey("issuer-cache-rsa-int");
        var rootRequest = new CertificateRequest("CN=RSA Cache Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var rootWithKey = rootRequest.CreateSelfSigned(TestPki.Now.AddYears(-1), TestPki.Now.AddYears(5));
        var root = X509CertificateLoader.LoadCertificate(rootWithKey.RawData);

        var intRequest = new CertificateRequest("CN=RSA Cache Issuing CA", intKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        intRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        intRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intRequest.PublicKey, false));
        intRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        var intermediate = intRequest.Create(root.SubjectName, X509SignatureGenerator.CreateForRSA(rootKey, RSASignaturePadding.Pkcs1),
            TestPki.Now.AddYears(-1), TestPki.Now.AddYears(3), [0x21, 0x01]);

        var leaves = Enumerable.Range(0, 2).Select(i =>
        {
            var request = new CertificateRequest($"CN={Host}", TestPki.Key("leaf-1"), HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(Host);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
            return request.Create(intermediate.SubjectName, X509SignatureGenerator.CreateForRSA(intKey, RSASignaturePadding.Pkcs1),
                TestPki.Now.AddDays(-1), TestPki.Now.AddDays(30), [0x31, (byte)(i + 1)]);
        }).ToArray();
        return (root, intermediate, leaves);
    }
}
