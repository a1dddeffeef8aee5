namespace PinReports.Simulation;

/// <summary>The generated traffic of a <see cref="TrafficScenario"/>, split into the three series levels.</summary>
public sealed class SimulatedTraffic
{
    internal SimulatedTraffic(TrafficScenario scenario, IReadOnlyList<FailingChain> chains, IReadOnlyList<SimulatedSeries> series, long failures)
    {
        Scenario = scenario;
        Chains = chains;
        SeriesData = series;
        Failures = failures;
    }

    public TrafficScenario Scenario { get; }

    /// <summary>Device-minutes of failure generated (the raw report count, before distinct counting).</summary>
    public long Failures { get; }

    public IReadOnlyList<SeriesKey> Series => SeriesData.Select(s => s.Key).ToList();

    internal IReadOnlyList<FailingChain> Chains { get; }

    internal IReadOnlyList<SimulatedSeries> SeriesData { get; }

    public DateTimeOffset TimeOf(int minute) => Scenario.Start.AddMinutes(minute);
}
