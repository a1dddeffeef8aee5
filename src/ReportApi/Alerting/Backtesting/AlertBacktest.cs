using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Runs the live detector (<see cref="DetectorStep"/>: the evaluator's own observation SQL and state machine) minute by
/// minute over the stored rollups of a past window, keeping alert state in memory. It reads in one READ ONLY
/// REPEATABLE READ transaction: it cannot write to the alert or outbox tables, and sees one consistent snapshot while
/// ingestion goes on. Alerts open at the start of the window are not carried in: a backtest starts from no alerts.
/// The counts come from the <see cref="BacktestEngine"/> asked for: in memory by default, or the SQL statements (same numbers).
/// </summary>
internal static class AlertBacktest
{
    public static async Task<BacktestRun> RunAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to,
        DetectorOptions options, BacktestEngine engine, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await BacktestStore.BeginReadOnlyAsync(connection, ct);

        IObservationSource observations = engine == BacktestEngine.Sql
            ? new BacktestObservations(connection, transaction, options, to)
            : new MemoryObservations(connection, transaction, options, from, to);
        var open = new Dictionary<SeriesKey, AlertState>();
        var last = new Dictionary<SeriesKey, (SeriesObservation Observation, AlertDecision Decision)>();
        var mixes = new Dictionary<SeriesKey, IReadOnlyDictionary<string, int>>();
        var done = new List<BacktestAlert>();
        var discarded = 0;
        var minutes = 0;
        // Evaluation minutes in [from, to): minute m judges the window [m − Window, m), as the live evaluator does.
        for (var minute = from; minute < to; minute = minute.AddMinutes(1))
        {
            ct.ThrowIfCancellationRequested();
            minutes++;
            var (_, steps) = await DetectorStep.RunAsync(connection, transaction, minute, options, open, ct, observations);
            foreach (var (observation, decision) in steps)
            {
                var state = decision.State!;
                // The mix of the peak window: what the incident was, not the background left when it resolved.
                if (observation.WindowDevices >= state.PeakDevices && AlertJson.Mix(observation.DiagnosisMix) is { Count: > 0 } mix)
                {
                    mixes[state.Series] = mix;
                }
                last[state.Series] = (observation, decision);
                if (state.IsOpen)
                {
                    open[state.Series] = state;
                    continue;
                }
                open.Remove(state.Series);
                if (decision.Transition == AlertTransition.Discard) discarded++;
                else done.Add(Alert(state, decision, mixes.GetValueOrDefault(state.Series)));
                mixes.Remove(state.Series);
            }
        }
        done.AddRange(open.Values.Select(s => Alert(s, last[s.Series].Decision, mixes.GetValueOrDefault(s.Series))));
        await transaction.RollbackAsync(ct);

        var alerts = done.OrderBy(a => a.OpenedAt).ThenBy(a => a.SeriesKey, StringComparer.Ordinal).ToList();
        return new BacktestRun(from, to, minutes, discarded, Math.Round(clock.Elapsed.TotalSeconds, 3), Describe(options), alerts)
        {
            Engine = engine.ToWire(),
        };
    }

    private static BacktestAlert Alert(AlertState state, AlertDecision decision, IReadOnlyDictionary<string, int>? mix) =>
        new(state.Series.ToString(), AlertingStore.Status(state.Status), state.OpenedAt, state.FiredAt, state.SuspectedAt, state.ResolvedAt,
            state.FiredAt is not null, state.PeakDevices, state.PeakNetworks, state.BaselineMedian, mix, decision.Summary?.Headline ?? "");

    /// <summary>Every threshold the run used, by configuration key, so a report says what it was run with.</summary>
    public static IReadOnlyDictionary<string, string> Describe(DetectorOptions options) =>
        BacktestSettings.Keys.ToDictionary(k => k.Key, k => Convert.ToString(
            typeof(DetectorOptions).GetProperty(k.Value)!.GetValue(options), CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal);
}
