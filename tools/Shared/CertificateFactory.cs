using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PinReports.Tools;

/// <summary>
/// RSA certificates shaped like public-CA ones (same construction as the team's <c>TestPki</c>): CA certificates with
/// basic constraints, key usage and key identifiers; leaves with SAN, EKU, AIA and CRL distribution points.
/// </summary>
internal static class CertificateFactory
{
    public static (X509Certificate2 Cert, RSA Key) Root(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, int pathLength = 1)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddCaExtensions(request, pathLength);
        using var withKey = request.CreateSelfSigned(notBefore, notAfter);
        return (X509CertificateLoader.LoadCertificate(withKey.RawData), key);
    }

    public static (X509Certificate2 Cert, RSA Key) Intermediate(string subject, (X509Certificate2 Cert, RSA Key) issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddCaExtensions(request, pathLength: 0);
        AddAuthorityKeyIdentifier(request, issuer.Cert);
        return (Sign(request, issuer, notBefore, notAfter), key);
    }

    /// <param name="pkiHost">Host name used in the AIA and CRL URLs.</param>
    public static X509Certificate2 Leaf(string subject, string hostname, (X509Certificate2 Cert, RSA Key) issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, string pkiHost)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddLeafExtensions(request, hostname, pkiHost);
        AddAuthorityKeyIdentifier(request, issuer.Cert);
        return Sign(request, issuer, notBefore, notAfter);
    }

    public static X509Certificate2 Sign(CertificateRequest request, (X509Certificate2 Cert, RSA Key) issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive INTEGER
        var generator = X509SignatureGenerator.CreateForRSA(issuer.Key, RSASignaturePadding.Pkcs1);
        return request.Create(issuer.Cert.SubjectName, generator, notBefore, notAfter, serial);
    }

    public static void AddCaExtensions(CertificateRequest request, int pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    public static void AddLeafExtensions(CertificateRequest request, string hostname, string pkiHost)
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
            [$"http://ocsp.{pkiHost}"], [$"http://crt.{pkiHost}/issuing-ca.crt"]));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(
            [$"http://crl.{pkiHost}/issuing-ca.crl"]));
    }

    public static void AddAuthorityKeyIdentifier(CertificateRequest request, X509Certificate2 issuer)
    {
        var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
    }
}
