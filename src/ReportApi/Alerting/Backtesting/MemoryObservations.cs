using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's counts, in memory (the default engine): the minute device sets of every window the run needs — each
/// evaluation minute's own window and its comparable windows on previous days — and the network sets of the evaluation
/// windows are read once, in minute order, and counted with exact sliding unions (<see cref="WindowCounts"/>); each
/// minute's baselines are then assembled by <see cref="SeriesObservations.Assemble(IReadOnlyCollection{SeriesKey}, DateTimeOffset, DetectorOptions, Func{SeriesKey, Func{DateTimeOffset, int}}, IReadOnlyDictionary{SeriesKey, DateTimeOffset})"/>
/// exactly as the evaluator does. <see cref="BacktestObservations"/> (the SQL engine) recounts overlapping windows with
/// <c>count(DISTINCT)</c> per hour of minutes: the same numbers, tests hold the two to it.
/// </summary>
/// <remarks>
/// Memory: the sliding state is the rows of one window (5 minutes); what grows with the span is one count per (window
/// end, failing group): at the 50 M-report shape (54 groups of 120 series, all failing every minute) a week plus its
/// 7-day baseline is about 20,200 ends × 54 ≈ 1.1 M counts, ≈ 9 MB.
/// </remarks>
internal sealed class MemoryObservations(NpgsqlConnection connection, NpgsqlTransaction transaction, DetectorOptions options,
    DateTimeOffset from, DateTimeOffset to) : IObservationSource
{
    private readonly BacktestActivity _activity = new(connection, transaction);
    private SeriesGroups? _groups;
    private WindowCounts? _devices;
    private WindowCounts? _networks;
    private Dictionary<SeriesKey, DateTimeOffset>? _firstSeen;

    /// <summary>What was read and kept, for the benchmark notes.</summary>
    public long RetainedCounts => (_devices?.Entries ?? 0) + (_networks?.Entries ?? 0);

    public async Task<Dictionary<SeriesKey, int>> WindowAsync(DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(ct);
        return ByKey(_devices!, minute);
    }

    public async Task<Dictionary<SeriesKey, int>> NetworksAsync(DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(ct);
        return ByKey(_networks!, minute);
    }

    public Task<Dictionary<(string App, string Version), int>> ActiveDevicesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute,
        CancellationToken ct) => _activity.ForAsync(candidates, minute, ct);

    public async Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(ct);
        var (groups, devices) = (_groups!, _devices!);
        return SeriesObservations.Assemble(candidates, minute, options, key =>
        {
            var of = groups.Of(key);
            return end =>
            {
                var (e, count) = (WindowCounts.MinuteOf(end), 0);
                foreach (var group in of) count = Math.Max(count, devices.Count(group, e));
                return count;
            };
        }, _firstSeen!);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (_devices is not null) return;
        var all = await SeriesObservations.AllSeriesAsync(connection, transaction, ct);
        _firstSeen = await SeriesObservations.FirstSeenAsync(connection, transaction, all.Hosts, all.Apps, all.Versions, ct);
        _groups = await SeriesGroups.LoadAsync(connection, transaction, ct);

        var window = (int)options.Window.TotalMinutes;
        var minutes = new List<long>();
        for (var m = from; m < to; m = m.AddMinutes(1)) minutes.Add(WindowCounts.MinuteOf(m));
        var ends = new HashSet<long>(minutes);
        for (var m = from; m < to; m = m.AddMinutes(1)) ends.UnionWith(SeriesObservations.SampleEnds(m, options).Select(WindowCounts.MinuteOf));

        _devices = await WindowCounts.ReadAsync(connection, transaction, BacktestSql.DeviceRows, _groups, window, ends, ct);
        _networks = await WindowCounts.ReadAsync(connection, transaction, BacktestSql.NetworkRows, _groups, window, minutes, ct);
    }

    // One row per key as the SQL path answers it: the larger count where two groups fold into one key.
    private Dictionary<SeriesKey, int> ByKey(WindowCounts counts, DateTimeOffset minute)
    {
        var result = new Dictionary<SeriesKey, int>();
        foreach (var (group, count) in counts.At(WindowCounts.MinuteOf(minute)))
        {
            var key = _groups!.KeyOf(group);
            result[key] = Math.Max(result.GetValueOrDefault(key), count);
        }
        return result;
    }
}
