using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// Result of building a reported chain against the trust anchors. Validity periods are deliberately not part of
/// <see cref="Problems"/>: the diagnosis checks them itself against the receive time, so "untrusted" and "expired" stay
/// separate findings.
/// </summary>
/// <param name="Trusted">The chain builds to a system or operator root with valid signatures.</param>
/// <param name="TrustedBy">"the system trust store" or "the operator roots (Diagnosis:TrustedRootsFile)"; null when untrusted.</param>
/// <param name="Problems">Chain status flags other than time validity and revocation (never checked).</param>
/// <param name="Path">The built path, leaf first; it may end at an anchor that the report did not carry.</param>
public sealed record ChainVerification(
    bool Trusted,
    string? TrustedBy,
    X509ChainStatusFlags Problems,
    IReadOnlyList<ChainPathElement> Path);

/// <summary>One certificate of a built chain path.</summary>
public sealed record ChainPathElement(
    string Subject,
    string Issuer,
    string SpkiSha256,
    string CertificateSha256,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    bool IsSelfIssued);
