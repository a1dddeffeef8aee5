namespace ReportApi.Domain.Alerting;

/// <summary>
/// The statistics of one window against its baseline, and the two verdicts the state machine needs: is it a spike (may
/// open or keep an alert) and is it clear (counts towards resolving). A window can be neither: that is the hysteresis band.
/// <see cref="Floor"/> is the excess the window needed to count: MinDevices, lower where the failure rate applies, or
/// FirstSeenMinDevices (absolute) for a series without history.
/// </summary>
public sealed record SpikeAssessment(
    int Devices,
    Baseline Baseline,
    double Scale,
    double Z,
    double? Ratio,
    double? FailureRate,
    int Floor,
    SpikeRule Rule,
    bool IsClear,
    int? Networks = null,
    int RequiredNetworks = 0)
{
    public bool IsSpike => Rule != SpikeRule.None;

    /// <summary>
    /// Whether the devices came from enough independent source networks to page: the spike must hold when networks are
    /// counted instead of devices. Usual failures come about one device per network, so the network count of a quiet
    /// window follows the device baseline; a forged burst adds devices but one network. True when networks were not
    /// measured or the check is off (<see cref="DetectorOptions.MinNetworksToPage"/> 0).
    /// </summary>
    public bool IsIndependent => Networks is not int n || RequiredNetworks == 0 || n >= RequiredNetworks;

    /// <summary>
    /// The networks a spike needs: <see cref="DetectorOptions.MinNetworksToPage"/> above the baseline median, and as far
    /// above the median as the device rule asks of devices (ratio floor and robust z-score on the same scale), because
    /// background failures alone swing the network count by that much. Without history, MinNetworksToPage alone.
    /// </summary>
    private static int Required(DetectorOptions options, Baseline baseline, double scale)
    {
        if (options.MinNetworksToPage == 0) return 0;
        if (baseline.IsEmpty) return options.MinNetworksToPage;
        var median = baseline.Median;
        var needed = Math.Max(median + options.MinNetworksToPage, Math.Max(options.RatioFloor * median, median + options.MadThreshold * scale));
        return (int)Math.Ceiling(needed);
    }

    public static SpikeAssessment Assess(SeriesObservation observation, DetectorOptions options)
    {
        var devices = observation.WindowDevices;
        var baseline = Baseline.From(observation.BaselineSamples);
        double? rate = observation.ActiveDevices is int active && active > 0 ? (double)devices / active : null;

        if (baseline.IsEmpty)
        {
            // A new version or chain has nothing to compare with, so only the absolute count can speak, at a higher floor.
            var firstSeenFloor = options.FirstSeenMinDevices;
            return new SpikeAssessment(devices, baseline, options.MadFloor, devices / options.MadFloor, null, rate, firstSeenFloor,
                devices >= firstSeenFloor ? SpikeRule.FirstSeen : SpikeRule.None,
                devices < options.ResolveFloorFraction * firstSeenFloor, observation.WindowNetworks, Required(options, baseline, options.MadFloor));
        }

        var median = baseline.Median;
        var excess = devices - median;

        // Distinct-device counts are at least Poisson-noisy, so the scale never drops below √median even when a short or
        // unusually calm history has a tiny MAD; the MadFloor covers the all-zero baseline.
        var scale = Math.Max(Math.Max(baseline.ScaledMad, Math.Sqrt(median)), options.MadFloor);
        var z = excess / scale;
        var anomalous = devices >= options.RatioFloor * median && z >= options.MadThreshold;

        // The floors apply to the excess over the usual level, not the raw count: 20 devices more than usual is an
        // incident whatever the baseline, while 20 devices on a host that always has 12 is mostly noise.
        var rateFloor = observation.ActiveDevices is int known && known > 0
            ? Math.Max(options.RateMinDevices, (int)Math.Ceiling(options.FailureRateThreshold * known))
            : int.MaxValue;
        var floor = Math.Min(options.MinDevices, rateFloor);

        var rule = !anomalous ? SpikeRule.None
            : excess >= options.MinDevices ? SpikeRule.Devices
            : excess >= rateFloor ? SpikeRule.FailureRate
            : SpikeRule.None;
        var clear = devices < options.ResolveRatio * median || excess < options.ResolveFloorFraction * floor;
        return new SpikeAssessment(devices, baseline, scale, z, median > 0 ? devices / median : null, rate, floor, rule, clear,
            observation.WindowNetworks, Required(options, baseline, scale));
    }
}
