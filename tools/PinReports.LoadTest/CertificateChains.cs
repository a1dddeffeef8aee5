using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PinReports.LoadTest;

/// <summary>
/// Real X.509 chains for the reports: RSA-2048 leaf / intermediate / root (DER ~0.9-1.1 KB each, so a report is ~5 KB
/// like the ones apps send). Chains share roots and intermediates the way real CAs do; each chain has its own leaf.
/// Same construction as the team's <c>TestPki</c>, with RSA throughout.
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
            var rootKey = RSA.Create(2048);
            var rootRequest = new CertificateRequest($"CN=PinReports Load Root CA {i + 1}, O=PinReports Load Test, C=US", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            AddCaExtensions(rootRequest, pathLength: 1);
            using (var withKey = rootRequest.CreateSelfSigned(now.AddYears(-5), now.AddYears(20)))
            {
                roots[i] = (X509CertificateLoader.LoadCertificate(withKey.RawData), rootKey);
            }

            var intermediateKey = RSA.Create(2048);
            var intermediateRequest = new CertificateRequest($"CN=PinReports Load Issuing CA {i + 1}, O=PinReports Load Test, C=US", intermediateKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            AddCaExtensions(intermediateRequest, pathLength: 0);
            AddAuthorityKeyIdentifier(intermediateRequest, roots[i].Cert);
            intermediates[i] = (Sign(intermediateRequest, roots[i], now.AddYears(-2), now.AddYears(5)), intermediateKey);
        }

        var chains = new X509Certificate2[hostnames.Count][];
        for (var i = 0; i < hostnames.Count; i++)
        {
            var ca = intermediates[i % caCount];
            using var leafKey = RSA.Create(2048);
            var leafRequest = new CertificateRequest($"CN={hostnames[i]}, O=PinReports Load Test, L=Palo Alto, S=California, C=US", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            AddLeafExtensions(leafRequest, hostnames[i]);
            AddAuthorityKeyIdentifier(leafRequest, ca.Cert);
            chains[i] = [Sign(leafRequest, ca, now.AddDays(-30), now.AddDays(60)), ca.Cert, roots[i % caCount].Cert];
        }

        foreach (var (_, key) in roots.Concat(intermediates)) key.Dispose();
        return chains;
    }

    /// <summary>TrustKit iOS: "\n" after BEGIN, 64-char lines joined by CRLF, "\n" before END, no trailing newline (§2.2).</summary>
    public static string IosPem(X509Certificate2 certificate) =>
        "-----BEGIN CERTIFICATE-----\n"
        + string.Join("\r\n", Wrap(Convert.ToBase64String(certificate.RawData), 64))
        + "\n-----END CERTIFICATE-----";

    /// <summary>TrustKit-Android: Base64.DEFAULT = 76-char lines each ending in LF, END line followed by LF (§3.4).</summary>
    public static string AndroidPem(X509Certificate2 certificate)
    {
        var pem = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        foreach (var line in Wrap(Convert.ToBase64String(certificate.RawData), 76)) pem.Append(line).Append('\n');
        return pem.Append("-----END CERTIFICATE-----\n").ToString();
    }

    private static X509Certificate2 Sign(CertificateRequest request, (X509Certificate2 Cert, RSA Key) issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive INTEGER
        var generator = X509SignatureGenerator.CreateForRSA(issuer.Key, RSASignaturePadding.Pkcs1);
        return request.Create(issuer.Cert.SubjectName, generator, notBefore, notAfter, serial);
    }

    private static void AddCaExtensions(CertificateRequest request, int pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static void AddLeafExtensions(CertificateRequest request, string hostname)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // What public CAs put in every leaf; it also brings the size close to a real certificate.
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(
            ["http://ocsp.load.pinreports.test"], ["http://crt.load.pinreports.test/issuing-ca.crt"]));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(
            ["http://crl.load.pinreports.test/issuing-ca.crl"]));
    }

    private static void AddAuthorityKeyIdentifier(CertificateRequest request, X509Certificate2 issuer)
    {
        var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        for (var i = 0; i < text.Length; i += width) yield return text.Substring(i, Math.Min(width, text.Length - i));
    }
}
