using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting;

/// <summary>
/// Where a minute's counts come from when not from the per-minute queries of <see cref="SeriesObservations"/>: the
/// backtest's batches of the same SQL (<see cref="Backtesting.BacktestObservations"/>).
/// </summary>
internal interface IObservationSource
{
    Task<Dictionary<SeriesKey, int>> WindowAsync(DateTimeOffset minute, CancellationToken ct);

    Task<Dictionary<SeriesKey, int>> NetworksAsync(DateTimeOffset minute, CancellationToken ct);

    Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct);

    Task<Dictionary<(string App, string Version), int>> ActiveDevicesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct);
}

/// <summary>One series' outcome of one evaluation minute: what was observed and what the state machine decided.</summary>
internal sealed record SeriesStep(SeriesObservation Observation, AlertDecision Decision);

/// <summary>
/// One evaluation minute of the detector, without side effects: observations from the rollups, then
/// <see cref="SpikeDetector"/> for every series with failures in the window or an open alert. The live evaluator saves
/// and notifies what this returns; the backtest (issue #19) keeps it in memory. One code path, so a backtest raises
/// exactly the alerts the live evaluator would have.
/// </summary>
internal static class DetectorStep
{
    /// <returns>The series count and the steps that changed something (not None, not AlreadyEvaluated).</returns>
    public static async Task<(int SeriesCount, List<SeriesStep> Steps)> RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        DateTimeOffset minute, DetectorOptions options, IReadOnlyDictionary<SeriesKey, AlertState> open, CancellationToken ct,
        IObservationSource? source = null)
    {
        var from = minute - options.Window;
        var window = source is null ? await SeriesObservations.WindowAsync(connection, transaction, from, minute, ct) : await source.WindowAsync(minute, ct);
        var steps = new List<SeriesStep>();
        // Nothing failing and nothing open: the rest of the minute's queries cannot change anything (most backtest minutes).
        if (window.Count == 0 && open.Count == 0) return (0, steps);

        var networks = source is null ? await SeriesObservations.NetworksAsync(connection, transaction, from, minute, ct) : await source.NetworksAsync(minute, ct);
        var candidates = window.Keys.Union(open.Keys).ToList();
        var baselines = source is null
            ? await SeriesObservations.BaselinesAsync(connection, transaction, candidates, minute, options, ct)
            : await source.BaselinesAsync(candidates, minute, ct);
        var active = source is null
            ? await SeriesObservations.ActiveDevicesAsync(connection, transaction, candidates, minute, ct)
            : await source.ActiveDevicesAsync(candidates, minute, ct);

        foreach (var series in candidates.OrderBy(k => k.ToString(), StringComparer.Ordinal))
        {
            int? activeDevices = series.Level != SeriesLevel.Host && active.TryGetValue((series.App!, series.Version!), out var a) ? a : null;
            var observation = new SeriesObservation(series, window.GetValueOrDefault(series), baselines[series], activeDevices,
                WindowNetworks: networks.GetValueOrDefault(series));
            var current = open.GetValueOrDefault(series);
            var decision = SpikeDetector.Evaluate(observation, current, minute, options);
            if (decision.Transition is AlertTransition.None or AlertTransition.AlreadyEvaluated) continue;

            // The context only shapes the text, and costs a scan of the window's reports: only series with an alert pay it.
            observation = await SeriesObservations.WithContextAsync(connection, transaction, observation, from, minute, active, ct);
            decision = SpikeDetector.Evaluate(observation, current, minute, options);
            steps.Add(new SeriesStep(observation, decision));
        }
        return (candidates.Count, steps);
    }
}
