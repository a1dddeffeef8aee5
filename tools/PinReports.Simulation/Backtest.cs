using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>
/// Replays simulated traffic through <see cref="SpikeDetector"/> one evaluation interval at a time with a simulated clock,
/// building each observation the way the host builds it from rollups: distinct devices in the trailing window, and the
/// same window (and its neighbours) on each of the previous days as the baseline. The first
/// <see cref="DetectorOptions.BaselineDays"/> days are history only.
/// </summary>
public static class Backtest
{
    private const int MinutesPerDay = 24 * 60;

    public static BacktestResult Run(TrafficScenario scenario, DetectorOptions options) =>
        Run(TrafficSimulation.Generate(scenario), options);

    public static BacktestResult Run(SimulatedTraffic traffic, DetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        options.EnsureValid();
        var window = options.WindowMinutes;
        var step = (int)options.EvaluationInterval.TotalMinutes;
        var minutes = traffic.Scenario.Minutes;
        var first = options.BaselineDays * MinutesPerDay;
        if (first >= minutes)
        {
            throw new ArgumentException($"The scenario simulates {traffic.Scenario.Days} days; the detector needs {options.BaselineDays} of history first.");
        }

        var series = traffic.SeriesData;

        // counts[s][end] = distinct devices in minutes [end - window, end): every baseline sample is a lookup.
        var counts = series.Select(s => s.WindowCounts(window)).ToArray();
        var networks = series.Select(s => s.WindowNetworkCounts(window)).ToArray();

        var states = new AlertState?[series.Count];
        var events = new List<BacktestEvent>();
        long evaluations = 0;
        for (var end = first; end <= minutes; end += step)
        {
            var now = traffic.TimeOf(end);
            for (var s = 0; s < series.Count; s++)
            {
                var data = series[s];
                if (end <= data.StartMinute)
                {
                    continue;
                }

                evaluations++;
                var observation = new SeriesObservation(data.Key, counts[s][end], BaselineSamples(data, counts[s], end, window, options),
                    data.ActiveDevices, WindowNetworks: networks[s][end]);

                // The context (diagnosis mix, chain, versions) only shapes the text of an open alert, so it is built only
                // when there is one; the state transition does not depend on it.
                var decision = SpikeDetector.Evaluate(observation, states[s], now, options);
                if (decision.Transition != AlertTransition.None)
                {
                    observation = WithContext(observation, traffic, data, end - window, end, traffic.Scenario);
                    decision = SpikeDetector.Evaluate(observation, states[s], now, options);
                }

                states[s] = decision.State;
                if (decision.Transition is not (AlertTransition.None or AlertTransition.StillPending or AlertTransition.StillFiring or AlertTransition.StillSuspicious))
                {
                    events.Add(new BacktestEvent(now, data.Key, decision.Transition, observation.WindowDevices,
                        decision.Assessment.Baseline.Median, decision.Assessment.Rule, decision.Summary?.Headline, networks[s][end]));
                }
            }
        }

        return new BacktestResult(traffic.TimeOf(first), traffic.TimeOf(minutes), series.Count, evaluations, traffic.Failures, events);
    }

    private static int[] BaselineSamples(SimulatedSeries data, int[] counts, int end, int window, DetectorOptions options)
    {
        var samples = new int[options.BaselineDays * (2 * options.BaselineNeighbourWindows + 1)];
        var taken = 0;
        for (var day = 1; day <= options.BaselineDays; day++)
        {
            for (var k = -options.BaselineNeighbourWindows; k <= options.BaselineNeighbourWindows; k++)
            {
                var sampleEnd = end - day * MinutesPerDay + k * window;

                // A window from before the series existed is missing, not zero: that is what makes a new version "first seen".
                if (sampleEnd - window >= data.StartMinute && sampleEnd - window >= 0 && sampleEnd <= counts.Length - 1)
                {
                    samples[taken++] = counts[sampleEnd];
                }
            }
        }

        return taken == samples.Length ? samples : samples[..taken];
    }

    private static SeriesObservation WithContext(SeriesObservation observation, SimulatedTraffic traffic, SimulatedSeries data, int from,
        int to, TrafficScenario scenario)
    {
        var byCode = new Dictionary<DiagnosisCode, HashSet<int>>();
        var byChain = new Dictionary<int, HashSet<int>>();
        var byVersion = new Dictionary<int, HashSet<int>>();
        for (var minute = Math.Max(0, from); minute < to; minute++)
        {
            foreach (var failure in data.Events[minute] ?? [])
            {
                Bucket(byCode, failure.Code).Add(failure.Device);
                Bucket(byVersion, failure.Version).Add(failure.Device);
                if (failure.Chain >= 0)
                {
                    Bucket(byChain, failure.Chain).Add(failure.Device);
                }
            }
        }

        var mix = byCode.ToDictionary(e => e.Key, e => e.Value.Count);
        var topChain = byChain.OrderByDescending(e => e.Value.Count).ThenBy(e => e.Key)
            .Select(e => traffic.Chains[e.Key] with { Devices = e.Value.Count }).FirstOrDefault();
        var versions = byVersion.OrderByDescending(e => e.Value.Count).ThenBy(e => e.Key).Take(3).Select(e =>
        {
            var version = scenario.Versions[e.Key];
            return new VersionDevices(version.App, version.Version, e.Value.Count, scenario.ActivityKnown ? version.ActiveDevices : null);
        }).ToList();
        return observation with { DiagnosisMix = mix, TopChain = topChain, TopVersions = versions };
    }

    private static HashSet<int> Bucket<TKey>(Dictionary<TKey, HashSet<int>> buckets, TKey key)
        where TKey : notnull
    {
        if (!buckets.TryGetValue(key, out var set))
        {
            buckets[key] = set = [];
        }

        return set;
    }
}
