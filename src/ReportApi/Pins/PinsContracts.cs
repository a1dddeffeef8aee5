using ReportApi.Domain.Pins;

namespace ReportApi.Pins;

/// <summary><c>GET /v1/pins</c>. <see cref="DataThrough"/>: reports received before it are included.</summary>
public sealed record PinInventoryResponse(IReadOnlyList<PinInventoryItem> Items, DateTimeOffset? DataThrough, int ExpiringWithinDays);

public sealed record PinInventoryItem(
    string? App, string? Version, string? Platform, string NotedHostname, bool IncludeSubdomains, bool EnforcePinning,
    IReadOnlyList<PinEntry> Pins, int MalformedPins, DateOnly? ExpirationDate,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Devices, long Reports, IReadOnlyList<string> Flags);

/// <summary>A well-formed pin and, when we have seen its key, the certificate carrying it.</summary>
public sealed record PinEntry(string Pin, string Sha256, PinCertificate? MatchedCertificate);

/// <summary><see cref="Source"/>: <c>reported-chain</c> (seen in a stored chain; position in that chain) or <c>operator-root</c>.</summary>
public sealed record PinCertificate(string Subject, string Issuer, string Role, int? Position, DateTimeOffset? NotAfter, string Ca, string Source);

/// <summary><c>POST /v1/preflight</c>. <see cref="Verdict"/>: <c>pass</c>, <c>fail</c> (a version would reject the chain) or <c>no-data</c>.</summary>
public sealed record PreflightResponse(
    string Hostname, string Verdict, int VersionsChecked, int VersionsPassing, int VersionsFailing, long DevicesAffected,
    bool ChainTrusted, IReadOnlyList<PreflightCertificate> Chain, IReadOnlyList<string> Warnings,
    IReadOnlyList<PreflightVersion> Versions, DateTimeOffset? DataThrough, int RecentDays);

/// <summary>
/// One app configuration seen recently. <see cref="Impact"/> says what a <c>fail</c> does on devices: <c>blocked</c>
/// (connections refused), <c>report-only</c> (enforce-pinning off), <c>pins-expired</c> (TrustKit no longer enforces);
/// <c>none</c> on a pass.
/// </summary>
public sealed record PreflightVersion(
    string? App, string? Version, string? Platform, string NotedHostname, string Verdict, string Impact,
    IReadOnlyList<PreflightMatch> MatchedPins, int Pins, long Devices, long DevicesAffected,
    DateTimeOffset LastSeen, DateOnly? ExpirationDate, string Reason);
