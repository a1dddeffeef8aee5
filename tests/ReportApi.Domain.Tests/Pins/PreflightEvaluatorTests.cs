using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Pins;

namespace ReportApi.Domain.Tests.Pins;

/// <summary>The pre-flight's pure part: which keys a chain offers devices, which pins match them, and what is wrong with the chain.</summary>
public sealed class PreflightEvaluatorTests
{
    private static readonly X509Certificate2 Root = TestPki.Root("CN=Preflight Root", "pf-root");
    private static readonly X509Certificate2 Intermediate = TestPki.Intermediate("CN=Preflight CA", "pf-ca", Root, "pf-root");
    private static readonly X509Certificate2 Leaf = TestPki.Leaf("api.example.com", "pf-leaf", Intermediate, "pf-ca");

    private static ParsedChain Chain(params X509Certificate2[] certificates) =>
        ChainParser.Parse([.. certificates.Select(TestPki.AndroidPem)]);

    [Fact]
    public void A_trusted_chain_offers_its_certificates_and_the_trust_store_root()
    {
        using var anchors = TrustAnchors.FromCertificates([Root], useSystemStore: false);
        var chain = PreflightEvaluator.Analyze(Chain(Leaf, Intermediate), "api.example.com", anchors, TestPki.Now, 30);

        Assert.True(chain.Trusted);
        Assert.Empty(chain.Warnings);
        Assert.Equal(["leaf", "intermediate", "root"], chain.Keys.Select(k => k.Role));
        Assert.Equal(["body", "body", "trust-store"], chain.Keys.Select(k => k.Source));
        Assert.Equal(TestPki.SpkiPin(Root), chain.Keys[2].Pin);
    }

    [Fact]
    public void A_backup_pin_on_the_intermediate_passes_and_a_foreign_pin_fails()
    {
        using var anchors = TrustAnchors.FromCertificates([Root], useSystemStore: false);
        var chain = PreflightEvaluator.Analyze(Chain(Leaf, Intermediate), "api.example.com", anchors, TestPki.Now, 30);

        var match = Assert.Single(PreflightEvaluator.Match(["not-a-key-of-this-chain", TestPki.SpkiPin(Intermediate)], chain));
        Assert.Equal($"pin-sha256=\"{TestPki.SpkiPin(Intermediate)}\"", match.Pin);
        Assert.Equal((1, "intermediate"), (match.Position, match.Role));
        Assert.Empty(PreflightEvaluator.Match(["not-a-key-of-this-chain"], chain));
    }

    [Fact]
    public void An_untrusted_chain_is_judged_on_its_body_and_warned_about()
    {
        var chain = PreflightEvaluator.Analyze(Chain(Leaf, Intermediate), "api.example.com", TrustAnchors.None, TestPki.Now, 30);

        Assert.False(chain.Trusted);
        Assert.Equal(["body", "body"], chain.Keys.Select(k => k.Source));
        Assert.Contains(chain.Warnings, w => w.Contains("does not build to a trusted root", StringComparison.Ordinal));
    }

    [Fact]
    public void A_leaf_for_another_host_and_one_expiring_soon_are_warned_about()
    {
        using var anchors = TrustAnchors.FromCertificates([Root], useSystemStore: false);
        var chain = PreflightEvaluator.Analyze(Chain(Leaf, Intermediate), "other.example.org", anchors, TestPki.Now, soonDays: 90);

        Assert.Contains(chain.Warnings, w => w.Contains("does not cover other.example.org", StringComparison.Ordinal));
        Assert.Contains(chain.Warnings, w => w.Contains("within 90 days", StringComparison.Ordinal));
    }

    [Fact]
    public void A_remembered_intermediate_that_completes_the_chain_is_named()
    {
        using var anchors = TrustAnchors.FromCertificates([Root], useSystemStore: false);
        var seen = new Dictionary<string, SeenKey>
        {
            [TestPki.SpkiPin(Intermediate)] = new(KeyRole.Intermediate, Intermediate.Subject, Intermediate.Issuer, Certificate: Intermediate.RawData),
        };

        var chain = PreflightEvaluator.Analyze(Chain(Leaf), "api.example.com", anchors, TestPki.Now, 30, seen);

        Assert.False(chain.Trusted);
        Assert.Contains(chain.Warnings, w => w.Contains("omits the intermediate 'CN=Preflight CA'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, false, "leaf")]
    [InlineData(0, true, "leaf")]
    [InlineData(1, false, "intermediate")]
    [InlineData(2, true, "root")]
    public void Role_by_position(int position, bool selfIssued, string role) =>
        Assert.Equal(role, PreflightEvaluator.Role(position, selfIssued));
}
