namespace PinReports.Simulation;

/// <summary>One transition of the replay timeline (None, StillPending, StillFiring and StillSuspicious are not recorded).</summary>
public sealed record BacktestEvent(
    DateTimeOffset Time,
    SeriesKey Series,
    AlertTransition Transition,
    int Devices,
    double BaselineMedian,
    SpikeRule Rule,
    string? Headline,
    int Networks = 0);
