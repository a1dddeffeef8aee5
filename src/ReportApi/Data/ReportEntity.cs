namespace ReportApi.Data;

/// <summary>
/// One stored pin-failure report. The table is range-partitioned by <see cref="ReceivedAt"/> (one partition per
/// UTC day, see <c>PartitionMaintenance</c>), so the key carries the receive time. The id is a UUIDv7 made from
/// the receive time, which lets a lookup by id prune to one partition.
/// </summary>
public sealed class ReportEntity
{
    public required Guid Id { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Dialect { get; init; }
    public required string Hostname { get; init; }
    public required string NotedHostname { get; init; }
    public int? Port { get; init; }
    public bool? IncludeSubdomains { get; init; }
    public bool? EnforcePinning { get; init; }
    public int? ValidationResult { get; init; }
    public string? AppBundleId { get; init; }
    public string? AppVersion { get; init; }
    public string? AppPlatform { get; init; }
    public string? AppPlatformVersion { get; init; }
    public string? TrustKitVersion { get; init; }

    /// <summary>Keyed HMAC-SHA256 of <c>app-vendor-id</c>; the raw id is never stored.</summary>
    public byte[]? DeviceHash { get; init; }

    public string? DateTimeRaw { get; init; }
    public DateTimeOffset? ClientTime { get; init; }
    public required string ClientTimeQuality { get; init; }
    public DateOnly? KnownPinsExpirationDate { get; init; }
    public DateTimeOffset? EffectiveExpirationDate { get; init; }
    public required byte[] ValidatedChainFingerprint { get; init; }
    public byte[]? ServedChainFingerprint { get; init; }
    public required byte[] PinSetFingerprint { get; init; }
    public required byte[] DedupKey { get; init; }
    public required string Diagnosis { get; init; }

    /// <summary>The request carried the ingest key configured for this report's app (<c>Ingest:AppKeys</c>).</summary>
    public bool Authenticated { get; init; }

    /// <summary>The report as sent minus <c>app-vendor-id</c> and the chains (those are stored once by fingerprint).</summary>
    public required string Raw { get; init; }
}
