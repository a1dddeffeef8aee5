using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Certificates;

/// <summary>Extracts the responder-facing facts of one loaded certificate.</summary>
internal static class CertificateInfoReader
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";
    private const string BasicConstraintsOid = "2.5.29.19";

    public static CertificateInfo Read(X509Certificate2 certificate, string raw, int position)
    {
        var der = certificate.RawData;
        var keyOid = certificate.PublicKey.Oid.Value ?? "";
        return new CertificateInfo
        {
            Position = position,
            RawPem = raw,
            Der = der,
            Subject = certificate.Subject,
            Issuer = certificate.Issuer,
            SerialNumber = certificate.SerialNumber,
            NotBefore = ToUtc(certificate.NotBefore),
            NotAfter = ToUtc(certificate.NotAfter),
            KeyAlgorithm = KeyAlgorithmName(keyOid, certificate.PublicKey.Oid.FriendlyName),
            KeySize = KeySize(certificate, keyOid),
            SpkiSha256 = SpkiSha256(certificate),
            CertificateSha256 = Convert.ToHexStringLower(SHA256.HashData(der)),
            DnsNames = DnsNames(certificate),
            // Compare the encoded names: the display strings could collide for differently encoded names.
            IsSelfIssued = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData),
            IsCertificateAuthority = IsCertificateAuthority(certificate),
        };
    }

    /// <summary>Base64 SHA-256 of the DER SubjectPublicKeyInfo: exactly what TrustKit and RFC 7469 pin.</summary>
    /// <remarks>
    /// Hashes the SubjectPublicKeyInfo bytes as they sit in the certificate (a DER certificate holds them in DER), read
    /// with an ASN.1 reader: re-exporting them through <see cref="PublicKey"/> re-encoded the structure and was a tenth of
    /// the cost of a never-seen chain (issue 21). Falls back to the export for anything the reader does not expect.
    /// </remarks>
    public static string SpkiSha256(X509Certificate2 certificate)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        if (TryReadSpki(certificate.RawData, out var spki))
        {
            SHA256.HashData(spki.Span, digest);
        }
        else
        {
            SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo(), digest);
        }

        return Convert.ToBase64String(digest);
    }

    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
    // validity, subject, subjectPublicKeyInfo, ... }, ... }
    private static bool TryReadSpki(byte[] der, out ReadOnlyMemory<byte> spki)
    {
        spki = default;
        try
        {
            var tbs = new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.ReadEncodedValue();
            }

            for (var skip = 0; skip < 5; skip++)
            {
                tbs.ReadEncodedValue(); // serial, signature algorithm, issuer, validity, subject
            }

            spki = tbs.ReadEncodedValue();
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    // X509Certificate2 reports validity as local DateTime; the domain speaks UTC only.
    private static DateTimeOffset ToUtc(DateTime local) => new(local.ToUniversalTime(), TimeSpan.Zero);

    private static string KeyAlgorithmName(string oid, string? friendlyName) => oid switch
    {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "1.2.840.10045.2.1" => "ECDSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.1" => "DSA",
        _ => friendlyName ?? oid,
    };

    private static int? KeySize(X509Certificate2 certificate, string oid)
    {
        try
        {
            return oid switch
            {
                "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => RsaModulusBits(certificate.PublicKey.EncodedKeyValue.RawData),
                "1.2.840.10045.2.1" => EcCurveBits(certificate.PublicKey.EncodedParameters?.RawData ?? []),
                "1.3.101.112" => 256,
                "1.3.101.113" => 456,
                _ => null,
            };
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return null;
        }
    }

    // Read the modulus straight from RSAPublicKey instead of instantiating an RSA object (cheaper, no platform key).
    private static int RsaModulusBits(byte[] rsaPublicKey)
    {
        var reader = new AsnReader(rsaPublicKey, AsnEncodingRules.DER).ReadSequence();
        var modulus = reader.ReadIntegerBytes().Span;
        var leadingZeros = 0;
        while (leadingZeros < modulus.Length && modulus[leadingZeros] == 0)
        {
            leadingZeros++;
        }

        modulus = modulus[leadingZeros..];
        return modulus.IsEmpty ? 0 : ((modulus.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]));
    }

    private static int? EcCurveBits(byte[] parameters)
    {
        if (parameters.Length == 0 || parameters[0] != 0x06)
        {
            return null; // implicit or explicit curve parameters: no named curve to report
        }

        return new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier() switch
        {
            "1.2.840.10045.3.1.7" => 256,
            "1.3.132.0.34" => 384,
            "1.3.132.0.35" => 521,
            "1.3.132.0.10" => 256,
            "1.3.36.3.3.2.8.1.1.7" => 256,
            "1.3.36.3.3.2.8.1.1.11" => 384,
            "1.3.36.3.3.2.8.1.1.13" => 512,
            _ => null,
        };
    }

    private static IReadOnlyList<string> DnsNames(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[SubjectAlternativeNameOid];
        if (extension is null)
        {
            return [];
        }

        try
        {
            return [.. new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical).EnumerateDnsNames()];
        }
        catch (CryptographicException)
        {
            return []; // a malformed SAN must not hide the rest of the certificate
        }
    }

    private static bool IsCertificateAuthority(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[BasicConstraintsOid];
        if (extension is null)
        {
            return false;
        }

        try
        {
            return new X509BasicConstraintsExtension(extension, extension.Critical).CertificateAuthority;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
