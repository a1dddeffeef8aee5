namespace ReportApi.Domain.Reports;

/// <summary>The report keys the parser understands, in all three dialects (reference §1).</summary>
internal enum ReportKey
{
    Hostname,
    KnownPins,
    Port,
    NotedHostname,
    IncludeSubdomains,
    EnforcePinning,
    ValidationResult,
    AppBundleId,
    AppVersion,
    AppVendorId,
    AppPlatform,
    AppPlatformVersion,
    TrustKitVersion,
    DateTime,
    KnownPinsExpirationDate,
    EffectiveExpirationDate,
    ValidatedCertificateChain,
    ServedCertificateChain,
    Unknown,
}

internal static class ReportKeys
{
    public const int Count = (int)ReportKey.Unknown;

    public const string Hostname = "hostname";
    public const string KnownPins = "known-pins";
    public const string Port = "port";
    public const string NotedHostname = "noted-hostname";
    public const string IncludeSubdomains = "include-subdomains";
    public const string EnforcePinning = "enforce-pinning";
    public const string ValidationResult = "validation-result";
    public const string AppBundleId = "app-bundle-id";
    public const string AppVersion = "app-version";
    public const string AppVendorId = "app-vendor-id";
    public const string AppPlatform = "app-platform";
    public const string AppPlatformVersion = "app-platform-version";
    public const string TrustKitVersion = "trustkit-version";
    public const string DateTime = "date-time";
    public const string KnownPinsExpirationDate = "known-pins-expiration-date";
    public const string EffectiveExpirationDate = "effective-expiration-date";
    public const string ValidatedCertificateChain = "validated-certificate-chain";
    public const string ServedCertificateChain = "served-certificate-chain";

    /// <summary>Keys are case-sensitive, as in every client; the switch compiles to a length-and-char jump table.</summary>
    public static ReportKey Classify(string name) => name switch
    {
        Hostname => ReportKey.Hostname,
        KnownPins => ReportKey.KnownPins,
        Port => ReportKey.Port,
        NotedHostname => ReportKey.NotedHostname,
        IncludeSubdomains => ReportKey.IncludeSubdomains,
        EnforcePinning => ReportKey.EnforcePinning,
        ValidationResult => ReportKey.ValidationResult,
        AppBundleId => ReportKey.AppBundleId,
        AppVersion => ReportKey.AppVersion,
        AppVendorId => ReportKey.AppVendorId,
        AppPlatform => ReportKey.AppPlatform,
        AppPlatformVersion => ReportKey.AppPlatformVersion,
        TrustKitVersion => ReportKey.TrustKitVersion,
        DateTime => ReportKey.DateTime,
        KnownPinsExpirationDate => ReportKey.KnownPinsExpirationDate,
        EffectiveExpirationDate => ReportKey.EffectiveExpirationDate,
        ValidatedCertificateChain => ReportKey.ValidatedCertificateChain,
        ServedCertificateChain => ReportKey.ServedCertificateChain,
        _ => ReportKey.Unknown,
    };

    /// <summary>Keys left out of <see cref="PinFailureReport.RawJson"/>: personal data, and chains stored by fingerprint.</summary>
    public static bool IsExcludedFromRawJson(ReportKey key) =>
        key is ReportKey.AppVendorId or ReportKey.ValidatedCertificateChain or ReportKey.ServedCertificateChain;
}
