namespace ReportApi.Data;

/// <summary>
/// What one app configuration carries, learned from its reports: one row per app, version, platform, noted hostname
/// and pin set. Maintained incrementally by <c>PinInventoryRefresher</c> from reports received after a watermark, so
/// the pin inventory and the pre-flight never aggregate the raw reports on a request. App fields are null for
/// reporters that do not send them (RFC 7469); the unique key treats nulls as equal.
/// </summary>
public sealed class PinInventoryEntity
{
    public long Id { get; init; }
    public string? AppBundleId { get; init; }
    public string? AppVersion { get; init; }
    public string? AppPlatform { get; init; }
    public required string NotedHostname { get; init; }
    public required byte[] PinSetFingerprint { get; init; }

    /// <summary>Any report of this configuration said include-subdomains (or did not say): the pins then cover subdomains.</summary>
    public required bool IncludeSubdomains { get; init; }

    /// <summary>Any report said enforce-pinning; false means the configuration only reports and never blocks.</summary>
    public required bool EnforcePinning { get; init; }

    /// <summary><c>known-pins-expiration-date</c> of the most recently received report.</summary>
    public DateOnly? KnownPinsExpirationDate { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
    public required long Reports { get; init; }

    /// <summary>Exact distinct devices (rows of <see cref="PinInventoryDeviceEntity"/>), kept here so listing needs no count.</summary>
    public required long Devices { get; init; }
}

/// <summary>One device (HMAC of its install id) seen with one inventory row; the key makes device counts exact.</summary>
public sealed class PinInventoryDeviceEntity
{
    public required long InventoryId { get; init; }
    public required byte[] DeviceHash { get; init; }
    public required DateTimeOffset FirstSeen { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
}

/// <summary>The refresh watermark: every report with <c>received_at</c> below it has been folded into the inventory.</summary>
public sealed class PinInventoryStateEntity
{
    public required int Id { get; init; }
    public DateTimeOffset? Watermark { get; init; }
}
