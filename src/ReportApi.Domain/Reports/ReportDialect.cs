namespace ReportApi.Domain.Reports;

/// <summary>The three JSON dialects a collector sees (reference/report-formats.md §0).</summary>
public enum ReportDialect
{
    /// <summary>TrustKit for iOS, macOS, tvOS and watchOS (<c>TSKPinFailureReport</c>), any version from 1.0.</summary>
    TrustKitIos,

    /// <summary>TrustKit-Android (<c>PinningFailureReport</c>).</summary>
    TrustKitAndroid,

    /// <summary>RFC 7469 §3 (HPKP) and other RFC-like reporters without TrustKit's <c>app-*</c> keys.</summary>
    Rfc7469,
}

public static class ReportDialectNames
{
    public static string ToWire(this ReportDialect dialect) => dialect switch
    {
        ReportDialect.TrustKitIos => "trustkit-ios",
        ReportDialect.TrustKitAndroid => "trustkit-android",
        _ => "rfc7469",
    };
}
