using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's counts: the live evaluator's SQL bodies run once per block of minutes instead of once per minute.
/// Device counts for every window end the block needs — each minute's own window and its comparable windows on
/// previous days — come from <see cref="AlertingSql.BaselineDevicesAt"/> (the body of
/// <see cref="AlertingSql.BaselineDevices"/>), network counts from <see cref="AlertingSql.WindowNetworksAt"/>, with every
/// series a candidate; baselines are assembled per minute exactly like <see cref="SeriesObservations.BaselinesAsync"/>.
/// A comparable window serves three minutes (as the previous, same and next neighbour), and two statements replace
/// 180: the same numbers, each counted once. The equality test against the live evaluator holds it to that.
/// </summary>
internal sealed class BacktestObservations(NpgsqlConnection connection, NpgsqlTransaction transaction, DetectorOptions options, DateTimeOffset to)
    : IObservationSource
{
    /// <summary>Minutes per statement: an hour keeps a statement's window ends (about 7 × 70 + 60) and memory modest.</summary>
    private static readonly TimeSpan Block = TimeSpan.FromHours(1);

    private readonly BacktestActivity _activity = new(connection, transaction);
    private Dictionary<(SeriesKey, DateTimeOffset), int> _samples = [];
    private Dictionary<DateTimeOffset, Dictionary<SeriesKey, int>> _windows = [];
    private Dictionary<DateTimeOffset, Dictionary<SeriesKey, int>> _networks = [];
    private DateTimeOffset _blockEnd = DateTimeOffset.MinValue;
    private (string[] Hosts, string[] Apps, string[] Versions)? _all;
    private Dictionary<SeriesKey, DateTimeOffset>? _firstSeen;

    public async Task<Dictionary<SeriesKey, int>> WindowAsync(DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(minute, ct);
        return _windows.GetValueOrDefault(minute) ?? [];
    }

    public async Task<Dictionary<SeriesKey, int>> NetworksAsync(DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(minute, ct);
        return _networks.GetValueOrDefault(minute) ?? [];
    }

    public Task<Dictionary<(string App, string Version), int>> ActiveDevicesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute,
        CancellationToken ct) => _activity.ForAsync(candidates, minute, ct);

    public async Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct)
    {
        await LoadAsync(minute, ct);
        return SeriesObservations.Assemble(candidates, minute, options, _samples, _firstSeen!);
    }

    private async Task LoadAsync(DateTimeOffset minute, CancellationToken ct)
    {
        if (minute < _blockEnd) return;
        _all ??= await SeriesObservations.AllSeriesAsync(connection, transaction, ct);
        _firstSeen ??= await SeriesObservations.FirstSeenAsync(connection, transaction, _all.Value.Hosts, _all.Value.Apps, _all.Value.Versions, ct);
        _blockEnd = minute + Block < to ? minute + Block : to;
        var minutes = new List<DateTimeOffset>();
        for (var m = minute; m < _blockEnd; m = m.AddMinutes(1)) minutes.Add(m);
        var ends = new HashSet<DateTimeOffset>(minutes);
        foreach (var m in minutes) ends.UnionWith(SeriesObservations.SampleEnds(m, options));

        _samples = await CountAsync(AlertingSql.BaselineDevicesAt, ends, ct);
        _windows = ByEnd(_samples, minutes);
        _networks = ByEnd(await CountAsync(AlertingSql.WindowNetworksAt, minutes, ct), minutes);
    }

    private Task<Dictionary<(SeriesKey, DateTimeOffset), int>> CountAsync(string sql, IEnumerable<DateTimeOffset> ends, CancellationToken ct) =>
        SeriesObservations.CountsAtAsync(connection, transaction, sql, _all!.Value, ends, options.Window, ct);

    private static Dictionary<DateTimeOffset, Dictionary<SeriesKey, int>> ByEnd(Dictionary<(SeriesKey, DateTimeOffset), int> counts, List<DateTimeOffset> minutes)
    {
        var result = minutes.ToDictionary(m => m, _ => new Dictionary<SeriesKey, int>());
        foreach (var ((key, end), count) in counts)
        {
            if (count > 0 && result.TryGetValue(end, out var window)) window[key] = count;
        }
        return result;
    }
}
