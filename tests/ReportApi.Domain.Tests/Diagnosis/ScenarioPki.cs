using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Tests.Diagnosis;

/// <summary>
/// The certificates of the diagnosis scenarios, generated once per test run: our CA (root A with intermediates A1 and
/// its rotated successor A2), the backup CA (root B), and interception roots nobody trusts.
/// </summary>
internal static class ScenarioPki
{
    public const string Host = "api.example.com";

    public static readonly X509Certificate2 RootA = TestPki.Root("CN=Example Trust Root A, O=Example CA Inc, C=US", "root-a");
    public static readonly X509Certificate2 IntermediateA1 = TestPki.Intermediate("CN=Example Issuing CA 1, O=Example CA Inc, C=US", "int-a1", RootA, "root-a");
    public static readonly X509Certificate2 IntermediateA2 = TestPki.Intermediate("CN=Example Issuing CA 2, O=Example CA Inc, C=US", "int-a2", RootA, "root-a");

    /// <summary>The deployed leaf: key "leaf-1" under intermediate A1.</summary>
    public static readonly X509Certificate2 Leaf = TestPki.Leaf(Host, "leaf-1", IntermediateA1, "int-a1");

    /// <summary>Same intermediate, new leaf key.</summary>
    public static readonly X509Certificate2 RekeyedLeaf = TestPki.Leaf(Host, "leaf-2", IntermediateA1, "int-a1");

    /// <summary>Same leaf key, now issued by the CA's new intermediate A2.</summary>
    public static readonly X509Certificate2 LeafUnderA2 = TestPki.Leaf(Host, "leaf-1", IntermediateA2, "int-a2");

    public static readonly X509Certificate2 RootB = TestPki.Root("CN=Backup Trust Root B, O=Backup CA Ltd, C=GB", "root-b");
    public static readonly X509Certificate2 IntermediateB = TestPki.Intermediate("CN=Backup Issuing CA, O=Backup CA Ltd, C=GB", "int-b", RootB, "root-b");
    public static readonly X509Certificate2 LeafUnderB = TestPki.Leaf(Host, "leaf-b", IntermediateB, "int-b");

    public static readonly X509Certificate2 ExpiredLeaf = TestPki.Leaf(
        Host, "leaf-expired", IntermediateA1, "int-a1", TestPki.Now.AddDays(-92), new DateTimeOffset(2025, 5, 30, 8, 15, 0, TimeSpan.Zero));

    public static readonly X509Certificate2 WrongHostLeaf = TestPki.Leaf("static.example.net", "leaf-1", IntermediateA1, "int-a1");

    public static readonly X509Certificate2 MitmRoot = TestPki.Root("CN=mitmproxy, O=mitmproxy", "mitm-root");
    public static readonly X509Certificate2 MitmLeaf = TestPki.Leaf(Host, "mitm-leaf", MitmRoot, "mitm-root");

    public static readonly X509Certificate2 CharlesRoot = TestPki.Root(
        "CN=\"Charles Proxy CA (1 Jun 2025, laptop)\", OU=https://charlesproxy.com/ssl, O=XK72 Ltd, L=Auckland, C=NZ", "charles-root");
    public static readonly X509Certificate2 CharlesLeaf = TestPki.Leaf(Host, "charles-leaf", CharlesRoot, "charles-root");

    public static readonly X509Certificate2 AcmeRoot = TestPki.Root("CN=Acme Corp TLS Inspection CA, O=Acme Corp", "acme-root");
    public static readonly X509Certificate2 AcmeLeaf = TestPki.Leaf(Host, "acme-leaf", AcmeRoot, "acme-root");

    public static readonly X509Certificate2 UnknownRoot = TestPki.Root("CN=Sentinel Root, O=Unnamed Org", "unknown-root");
    public static readonly X509Certificate2 UnknownLeaf = TestPki.Leaf(Host, "unknown-leaf", UnknownRoot, "unknown-root");

    /// <summary>The operator's roots file holds both CAs; the OS store is never consulted in tests.</summary>
    public static readonly TrustAnchors Anchors = TrustAnchors.FromCertificates([RootA, RootB], useSystemStore: false);

    public static X509Certificate2[] Chain(params X509Certificate2[] certificates) => certificates;
}
