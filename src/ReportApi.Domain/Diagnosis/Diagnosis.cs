namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// The diagnosis of one report: a contract code, a one-paragraph explanation for the on-call engineer, and the evidence
/// it rests on. The "Changed*" fields name the certificate the explanation is about (the new key for a rotation, the
/// broken certificate for an invalid chain, the interception CA); <see cref="ChangedPosition"/> is its index in the
/// built chain path (0 = leaf), which equals the reported position for a chain sent leaf-first.
/// Chain evidence (<see cref="ChainTrusted"/>, <see cref="HostnameMatches"/>, <see cref="Expired"/>) is false when the
/// report carries no parsable certificate.
/// </summary>
public sealed record Diagnosis(
    DiagnosisCode Code,
    string Explanation,
    int? ChangedPosition = null,
    string? ChangedSubject = null,
    string? ChangedIssuer = null,
    string? ChangedSpki = null,
    bool ChainTrusted = false,
    bool HostnameMatches = false,
    bool Expired = false,
    bool PinMatched = false,
    string? InterceptionProduct = null)
{
    public string CodeWire => Code.ToWire();

    /// <summary>The instant validity was judged at, and why (device time or receive time; issue 13).</summary>
    public ValidityTime? ValidityTime { get; init; }

    /// <summary>For a rotation: the pinned key the new certificate replaced, when the host's key history knows it.</summary>
    public string? ReplacedSubject { get; init; }

    /// <summary>Base64 SPKI SHA-256 of <see cref="ReplacedSubject"/>.</summary>
    public string? ReplacedSpki { get; init; }

    /// <summary>
    /// The built path when it is the host's own chain (trusted, hostname matches, no interception product): what the
    /// host records in its key history. Null otherwise, so a CDN's chain for another name or a trusted inspection CA
    /// never teaches the history.
    /// </summary>
    public IReadOnlyList<ChainPathElement>? HostChain { get; init; }
}
