namespace ReportApi.Domain.Alerting;

/// <summary>The three aggregation levels of docs/decisions/0007-spike-detection-on-distinct-devices.md, from the widest to the narrowest.</summary>
public enum SeriesLevel
{
    /// <summary>Every app and version failing against one noted hostname: catches a server-side change for all apps.</summary>
    Host,

    /// <summary>One app version across hostnames: catches a broken release.</summary>
    Version,

    /// <summary>One app version against one noted hostname: the narrowest, most sensitive series.</summary>
    VersionHost,
}
