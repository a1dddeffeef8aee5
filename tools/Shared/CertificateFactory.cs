using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PinReports.Tools;

/// <summary>
/// The one maker of real X.509 certificates for tests, tools and benchmarks (<c>CertificateRequest</c>, never canned
/// bytes). Two families, because callers need different things:
/// <list type="bullet">
/// <item>named ECDSA P-256 keys cached for the whole process, validity around the fixed <see cref="Now"/> (the tests,
/// as <c>TestPki</c>): "the same key" across tests and chains is literally the same key, and re-keying is a new name;</item>
/// <item>fresh RSA-2048 keys and certificates shaped like a public CA's (path length, SAN, EKU, AIA, CRL distribution
/// points; the load test, the simulator and the reports benchmark), close to real sizes on the wire.</item>
/// </list>
/// Plus the wire forms clients send: TrustKit's PEM layouts and RFC 7469 pins.
/// </summary>
public static class CertificateFactory
{
    /// <summary>The instant the named-key certificates' default validity is built around.</summary>
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrentDictionary<string, ECDsa> EcKeys = new();
    private static readonly ConcurrentDictionary<string, RSA> RsaKeys = new();

    /// <summary>A P-256 key, generated once per name for the whole process.</summary>
    public static ECDsa Key(string name) => EcKeys.GetOrAdd(name, _ => ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>An RSA-2048 key, generated once per name (slow to make, so cache hard).</summary>
    public static RSA RsaKey(string name) => RsaKeys.GetOrAdd(name, _ => RSA.Create(2048));

    // ---- Named ECDSA keys (tests) ----

    public static X509Certificate2 Root(string subject, string keyName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = Key(keyName);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        using var withKey = request.CreateSelfSigned(notBefore ?? Now.AddYears(-5), notAfter ?? Now.AddYears(20));
        // Hand out certificates without private keys, like a reported chain.
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    public static X509Certificate2 Intermediate(
        string subject, string keyName, X509Certificate2 issuer, string issuerKeyName,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var request = new CertificateRequest(subject, Key(keyName), HashAlgorithmName.SHA256);
        AddCaExtensions(request);
        AddAuthorityKeyIdentifier(request, issuer);
        return Sign(request, issuer, issuerKeyName, notBefore ?? Now.AddYears(-2), notAfter ?? Now.AddYears(5));
    }

    public static X509Certificate2 Leaf(
        string hostname, string keyName, X509Certificate2 issuer, string issuerKeyName,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string? subject = null)
    {
        var request = new CertificateRequest(subject ?? $"CN={hostname}", Key(keyName), HashAlgorithmName.SHA256);
        AddLeafExtensions(request, hostname);
        AddAuthorityKeyIdentifier(request, issuer);
        return Sign(request, issuer, issuerKeyName, notBefore ?? Now.AddDays(-30), notAfter ?? Now.AddDays(60));
    }

    /// <summary>A self-signed end-entity certificate (what a careless proxy or a test server presents).</summary>
    public static X509Certificate2 SelfSignedLeaf(string hostname, string keyName)
    {
        var request = new CertificateRequest($"CN={hostname}", Key(keyName), HashAlgorithmName.SHA256);
        AddLeafExtensions(request, hostname);
        using var withKey = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    public static X509Certificate2 RsaLeafSelfSigned(string hostname)
    {
        var request = new CertificateRequest($"CN={hostname}", RsaKey("rsa-leaf"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddLeafExtensions(request, hostname);
        using var withKey = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    // ---- Fresh RSA keys shaped like a public CA's (tools) ----

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

    /// <summary>CA extensions; with a <paramref name="pathLength"/> the basic constraints carry it, as a public CA's do.</summary>
    public static void AddCaExtensions(CertificateRequest request, int? pathLength = null)
    {
        request.CertificateExtensions.Add(pathLength is { } length
            ? new X509BasicConstraintsExtension(true, true, length, true)
            : new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    /// <summary>A public CA's leaf: SAN, server and client EKU, key identifiers, AIA and CRL distribution points.</summary>
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

    // ---- Wire forms ----

    /// <summary>TrustKit iOS: "\n" after BEGIN, 64-char lines joined by CRLF, "\n" before END, no trailing newline.</summary>
    public static string IosPem(X509Certificate2 certificate) =>
        "-----BEGIN CERTIFICATE-----\n"
        + string.Join("\r\n", Wrap(Convert.ToBase64String(certificate.RawData), 64))
        + "\n-----END CERTIFICATE-----";

    /// <summary>TrustKit-Android: 76-char lines each ending in LF, END line followed by LF.</summary>
    public static string AndroidPem(X509Certificate2 certificate)
    {
        var pem = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        foreach (var line in Wrap(Convert.ToBase64String(certificate.RawData), 76))
        {
            pem.Append(line).Append('\n');
        }

        return pem.Append("-----END CERTIFICATE-----\n").ToString();
    }

    /// <summary>
    /// Base64 SHA-256 of the SubjectPublicKeyInfo, read straight out of the certificate's DER with an ASN.1 reader
    /// (independent of the production code, which re-exports the SPKI from the parsed public key).
    /// </summary>
    public static string SpkiPin(byte[] certificateDer)
    {
        var certificate = new AsnReader(certificateDer, AsnEncodingRules.DER).ReadSequence();
        var tbs = certificate.ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            tbs.ReadEncodedValue(); // [0] version
        }

        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature algorithm
        tbs.ReadEncodedValue(); // issuer
        tbs.ReadEncodedValue(); // validity
        tbs.ReadEncodedValue(); // subject
        var spki = tbs.ReadEncodedValue();
        return Convert.ToBase64String(SHA256.HashData(spki.Span));
    }

    public static string SpkiPin(X509Certificate2 certificate) => SpkiPin(certificate.RawData);

    /// <summary>The RFC 7469 / TrustKit wire form of a pin.</summary>
    public static string PinDirective(X509Certificate2 certificate) => $"pin-sha256=\"{SpkiPin(certificate)}\"";

    private static X509Certificate2 Sign(
        CertificateRequest request, X509Certificate2 issuer, string issuerKeyName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var serial = RandomNumberGenerator.GetBytes(9);
        serial[0] &= 0x7F; // positive INTEGER
        var generator = X509SignatureGenerator.CreateForECDsa(Key(issuerKeyName));
        return request.Create(issuer.SubjectName, generator, notBefore, notAfter, serial);
    }

    /// <summary>The tests' leaf: SAN and server EKU only.</summary>
    private static void AddLeafExtensions(CertificateRequest request, string hostname)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        request.CertificateExtensions.Add(san.Build());
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        for (var i = 0; i < text.Length; i += width)
        {
            yield return text.Substring(i, Math.Min(width, text.Length - i));
        }
    }
}
