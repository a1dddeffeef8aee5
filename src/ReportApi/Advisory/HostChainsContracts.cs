using ReportApi.Pins;

namespace ReportApi.Advisory;

/// <summary>
/// <c>PUT /v1/hosts/{hostname}/chains/live|planned</c>: what was recorded, and the pre-flight verdict of the chain (for a plan,
/// as devices will judge it on its first day).
/// </summary>
public sealed record HostChainRecorded(
    string Hostname, string Kind, DateOnly EffectiveFrom, string Fingerprint, string RecordedBy, DateTimeOffset RecordedAt,
    PreflightResponse Preflight);

/// <summary><c>GET /v1/hosts/{hostname}/chains</c>: the chains recorded now and the newest history entries (newest first).</summary>
public sealed record HostChainsResponse(string Hostname, HostChainView? Live, HostChainView? Planned, IReadOnlyList<HostChainEvent> History);

/// <summary>
/// A recorded chain. <see cref="Keys"/>: the SPKI SHA-256 pins it offered devices when recorded (its certificates and the
/// trust-store root it built to); <see cref="EffectiveFrom"/>: the plan's date, or the day a live chain was recorded.
/// </summary>
public sealed record HostChainView(
    DateOnly EffectiveFrom, string Fingerprint, string RecordedBy, DateTimeOffset RecordedAt, IReadOnlyList<string> Keys,
    IReadOnlyList<HostChainCertificate> Certificates, string Pem);

public sealed record HostChainCertificate(int Position, string? Subject, string? Issuer, DateTimeOffset? NotAfter, string? SpkiSha256);
