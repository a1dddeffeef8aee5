namespace ReportApi.Domain.Alerting;

/// <summary>Which rule made a window a spike.</summary>
public enum SpikeRule
{
    /// <summary>Not a spike.</summary>
    None,

    /// <summary>No history at all and at least <see cref="DetectorOptions.FirstSeenMinDevices"/> devices.</summary>
    FirstSeen,

    /// <summary>Anomalous against the baseline and at least <see cref="DetectorOptions.MinDevices"/> devices above its median.</summary>
    Devices,

    /// <summary>Anomalous against the baseline, below the device floor, but an excess that is a large share of the version's active devices.</summary>
    FailureRate,
}
