namespace ReportApi.Domain.Certificates;

/// <summary>
/// A reported certificate chain, parsed. <see cref="Fingerprint"/> identifies the chain by content (DER of each
/// parsed certificate, raw text of each unparsable one) so the same server chain sent by iOS (CRLF PEM) and
/// Android (LF PEM) is stored once.
/// </summary>
public sealed record ParsedChain(byte[] Fingerprint, IReadOnlyList<CertificateInfo> Certificates)
{
    public string FingerprintHex => Convert.ToHexStringLower(Fingerprint);
    public CertificateInfo? Leaf => Certificates.Count > 0 ? Certificates[0] : null;
}
