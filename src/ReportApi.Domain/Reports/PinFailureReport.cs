namespace ReportApi.Domain.Reports;

/// <summary>
/// One pin-validation failure report, normalised from any dialect. Strings are as sent (bounded by
/// <see cref="ReportLimits"/>); sentinel values (<c>""</c>, <c>"N/A"</c>, <c>"unit-tests"</c>) are mapped to null in the
/// normalised fields and stay visible in <see cref="RawJson"/>.
/// </summary>
public sealed record PinFailureReport
{
    public required ReportDialect Dialect { get; init; }

    /// <summary>Lower-cased host of the failed connection. Always present.</summary>
    public required string Hostname { get; init; }

    /// <summary>Lower-cased pinned domain that matched (may be a parent of <see cref="Hostname"/>); falls back to the hostname.</summary>
    public required string NotedHostname { get; init; }

    /// <summary>Port as sent (TrustKit always sends 0; iOS 1.0 sent 443). Not used for analysis.</summary>
    public int? Port { get; init; }

    public bool? IncludeSubdomains { get; init; }

    /// <summary>False means report-only: the connection was allowed. Null when the client did not say.</summary>
    public bool? EnforcePinning { get; init; }

    /// <summary>TrustKit <c>validation-result</c> as sent (1..5 expected, unknown values kept).</summary>
    public int? ValidationResult { get; init; }

    public string? AppBundleId { get; init; }
    public string? AppVersion { get; init; }

    /// <summary>Upper-case platform: IOS, MACOS (OSX is mapped), TVOS, WATCHOS, ANDROID, or the value as sent.</summary>
    public string? AppPlatform { get; init; }

    public string? AppPlatformVersion { get; init; }

    /// <summary>The raw install identifier. Personal data: the host stores only a keyed HMAC of it.</summary>
    public string? AppVendorId { get; init; }

    public string? TrustKitVersion { get; init; }

    /// <summary>The client's <c>date-time</c> exactly as sent (part of the dedup key).</summary>
    public string? DateTimeRaw { get; init; }

    /// <summary>The parsed client time when it parsed; see <see cref="ClientTimeQuality"/> for whether it is UTC.</summary>
    public DateTimeOffset? ClientTime { get; init; }

    public required ClientTimeQuality ClientTimeQuality { get; init; }

    /// <summary>iOS <c>known-pins-expiration-date</c> (<c>yyyy-MM-dd</c>, UTC).</summary>
    public DateOnly? KnownPinsExpirationDate { get; init; }

    /// <summary>RFC 7469 <c>effective-expiration-date</c>.</summary>
    public DateTimeOffset? EffectiveExpirationDate { get; init; }

    /// <summary><c>validated-certificate-chain</c> PEM strings as sent, index 0 = leaf. Empty when absent.</summary>
    public required IReadOnlyList<string> ValidatedChain { get; init; }

    /// <summary><c>served-certificate-chain</c> (Android, RFC 7469); null when absent.</summary>
    public IReadOnlyList<string>? ServedChain { get; init; }

    /// <summary>Known pins sorted ordinally by their raw text (clients send them in set order).</summary>
    public required IReadOnlyList<KnownPin> KnownPins { get; init; }

    /// <summary>
    /// The report object re-serialised without <c>app-vendor-id</c> (privacy) and without the two certificate chains
    /// (stored once per chain by fingerprint). Unknown keys are kept here.
    /// </summary>
    public required string RawJson { get; init; }
}
