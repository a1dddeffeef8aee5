namespace ReportApi.Data;

/// <summary>
/// A reported certificate chain, stored once by content fingerprint: an incident repeats one chain thousands of
/// times. The leaf columns serve dashboards ("top failing chains") without unpacking the JSON.
/// </summary>
public sealed class CertificateChainEntity
{
    public required byte[] Fingerprint { get; init; }
    public required int CertificateCount { get; init; }

    /// <summary>JSON array of the parsed certificates (subject, issuer, SPKI, validity, raw PEM, parse error).</summary>
    public required string Certificates { get; init; }

    public string? LeafSubject { get; init; }
    public string? LeafIssuer { get; init; }
    public string? LeafSpkiSha256 { get; init; }
    public DateTimeOffset? LeafNotAfter { get; init; }
    public required DateTimeOffset FirstSeenAt { get; init; }
}
