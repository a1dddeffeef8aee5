using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PinReports.Tools;

namespace PinReports.LoadTest;

/// <summary>
/// Real X.509 chains for the reports: RSA-2048 leaf / intermediate / root (DER ~0.9-1.1 KB each, so a report is ~5 KB
/// like the ones apps send). Chains share roots and intermediates the way real CAs do; each chain has its own leaf.
/// Built with the shared <see cref="CertificateFactory"/>; the report bytes come from <see cref="TrustKitFormat"/>.
/// </summary>
internal static class CertificateChains
{
    /// <summary>One chain per hostname: index 0 = leaf, 1 = intermediate, 2 = root (TrustKit order).</summary>
    public static X509Certificate2[][] Create(IReadOnlyList<string> hostnames)
    {
        var now = DateTimeOffset.UtcNow;
        var caCount = Math.Max(1, (hostnames.Count + 1) / 2);
        var roots = new (X509Certificate2 Cert, RSA Key)[caCount];
        var intermediates = new (X509Certificate2 Cert, RSA Key)[caCount];
        for (var i = 0; i < caCount; i++)
        {
            roots[i] = CertificateFactory.Root($"CN=PinReports Load Root CA {i + 1}, O=PinReports Load Test, C=US", now.AddYears(-5), now.AddYears(20));
            intermediates[i] = CertificateFactory.Intermediate($"CN=PinReports Load Issuing CA {i + 1}, O=PinReports Load Test, C=US", roots[i], now.AddYears(-2), now.AddYears(5));
        }

        var chains = new X509Certificate2[hostnames.Count][];
        for (var i = 0; i < hostnames.Count; i++)
        {
            var ca = intermediates[i % caCount];
            var leaf = CertificateFactory.Leaf($"CN={hostnames[i]}, O=PinReports Load Test, L=Palo Alto, S=California, C=US", hostnames[i], ca,
                now.AddDays(-30), now.AddDays(60), "load.pinreports.test");
            chains[i] = [leaf, ca.Cert, roots[i % caCount].Cert];
        }

        foreach (var (_, key) in roots.Concat(intermediates)) key.Dispose();
        return chains;
    }

    /// <summary>
    /// The new-chain flood (issue 21): one untrusted ECDSA P-256 CA and <paramref name="count"/> leaves under it, all
    /// with the same key and a new serial each (what an interception product or a CDN minting a leaf per edge sends).
    /// Serials have a fixed length so every leaf has nearly the same size. Signed in parallel: 40,000 take a few seconds.
    /// </summary>
    public static (X509Certificate2 Ca, byte[][] Leaves) CreateFlood(int count, string dnsName)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=PinReports Flood Inspection CA, O=PinReports Load Test", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var caWithKey = caRequest.CreateSelfSigned(now.AddYears(-1), now.AddYears(5));
        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caParameters = caKey.ExportParameters(includePrivateParameters: true);

        var leaves = new byte[count][];
        Parallel.For(0, count, () => ECDsa.Create(caParameters), (i, _, signer) =>
        {
            var request = new CertificateRequest($"CN={dnsName.TrimStart('*', '.')}, O=PinReports Load Test", leafKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(aki);
            var serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] = (byte)(0x40 | (serial[0] & 0x3F)); // positive, no leading zero: every serial 16 bytes
            using var leaf = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(signer), now.AddDays(-1), now.AddDays(90), serial);
            leaves[i] = leaf.RawData;
            return signer;
        }, signer => signer.Dispose());
        return (ca, leaves);
    }
}
