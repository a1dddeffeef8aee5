using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's active-device counts: <see cref="AlertingSql.ActiveDevices"/> once per UTC day for every app version,
/// then each minute's candidates picked out of it — what <see cref="SeriesObservations.ActiveDevicesAsync(NpgsqlConnection, NpgsqlTransaction, IReadOnlyCollection{SeriesKey}, DateTimeOffset, CancellationToken)"/>
/// answers per minute, without a round trip for each of a week's 10,080 minutes.
/// </summary>
internal sealed class BacktestActivity(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    private readonly Dictionary<DateOnly, Dictionary<(string App, string Version), int>> _byDay = [];
    private (string[] Hosts, string[] Apps, string[] Versions)? _all;

    public async Task<Dictionary<(string App, string Version), int>> ForAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute,
        CancellationToken ct)
    {
        var day = SeriesObservations.ActivityDay(minute);
        if (!_byDay.TryGetValue(day, out var all))
        {
            _all ??= await SeriesObservations.AllSeriesAsync(connection, transaction, ct);
            all = _byDay[day] = await SeriesObservations.ActiveDevicesAsync(connection, transaction, _all.Value.Apps, _all.Value.Versions, day, ct);
        }
        // Only the candidates' versions, as the per-minute query filters them.
        var result = new Dictionary<(string App, string Version), int>();
        foreach (var key in candidates)
        {
            if (key.Level != SeriesLevel.Host && all.TryGetValue((key.App!, key.Version!), out var devices)) result[(key.App!, key.Version!)] = devices;
        }
        return result;
    }
}
