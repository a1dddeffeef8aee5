namespace ReportApi.Privacy;

/// <summary>Configuration section <c>Privacy</c>.</summary>
public sealed class PrivacyOptions
{
    /// <summary>
    /// <c>Privacy:DeviceIdKey</c>: secret for the HMAC of <c>app-vendor-id</c>. Required outside Development.
    /// Changing it makes old and new hashes of one device differ (distinct-device counts split at the change).
    /// </summary>
    public string? DeviceIdKey { get; set; }

    /// <summary>Used only in Development when no key is configured, so a newcomer's first run works.</summary>
    internal const string DevelopmentKey = "pinreports-development-only-device-id-key";
}
