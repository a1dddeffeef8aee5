namespace ReportApi.Domain.Certificates;

/// <summary>
/// What a responder needs to know about one certificate of a reported chain. A certificate that does not parse
/// keeps its raw text and <see cref="ParseError"/>; every other field is then null.
/// </summary>
public sealed record CertificateInfo
{
    /// <summary>Position in the chain as sent; 0 is the leaf.</summary>
    public required int Position { get; init; }

    /// <summary>The PEM exactly as the client sent it.</summary>
    public required string RawPem { get; init; }

    /// <summary>DER bytes when the certificate parsed.</summary>
    public byte[]? Der { get; init; }

    public string? ParseError { get; init; }

    public string? Subject { get; init; }
    public string? Issuer { get; init; }
    public string? SerialNumber { get; init; }
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>RSA, ECDSA, Ed25519, ... (friendly name of the public key OID).</summary>
    public string? KeyAlgorithm { get; init; }
    public int? KeySize { get; init; }

    /// <summary>Base64 SHA-256 of the DER SubjectPublicKeyInfo: the value TrustKit pins.</summary>
    public string? SpkiSha256 { get; init; }

    /// <summary>Hex SHA-256 of the DER certificate.</summary>
    public string? CertificateSha256 { get; init; }

    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public bool IsSelfIssued { get; init; }
    public bool IsCertificateAuthority { get; init; }

    public bool Parsed => ParseError is null;

    /// <summary>
    /// The loaded certificate when it parsed, shared through <see cref="CertificateCache"/> with every chain that holds
    /// the same DER: the chain analysis builds and checks hostnames with it instead of decoding the DER again.
    /// Shared and long-lived: never dispose it.
    /// </summary>
    internal System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }
}
