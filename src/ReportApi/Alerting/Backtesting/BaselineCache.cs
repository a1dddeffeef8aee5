using Npgsql;
using NpgsqlTypes;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's baselines: the live evaluator's baseline SQL (<see cref="AlertingSql.BaselineDevicesAt"/>, the same
/// body as <see cref="AlertingSql.BaselineDevices"/>) run once per block of minutes for every window end the block
/// needs and every series, then assembled per minute exactly like <see cref="SeriesObservations.BaselinesAsync"/>. A
/// comparable window serves three minutes (as the previous, same and next neighbour), and one statement replaces 60:
/// the counts are the same numbers, computed once.
/// </summary>
internal sealed class BaselineCache(NpgsqlConnection connection, NpgsqlTransaction transaction, DetectorOptions options, DateTimeOffset to)
{
    /// <summary>Minutes per statement: an hour keeps a statement's window ends (about 7 × 70) and memory modest.</summary>
    private static readonly TimeSpan Block = TimeSpan.FromHours(1);

    private Dictionary<(SeriesKey, DateTimeOffset), int> _samples = [];
    private DateTimeOffset _blockEnd = DateTimeOffset.MinValue;
    private (string[] Hosts, string[] Apps, string[] Versions)? _all;
    private Dictionary<SeriesKey, DateTimeOffset>? _firstSeen;

    public async Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct)
    {
        _all ??= await SeriesObservations.AllSeriesAsync(connection, transaction, ct);
        _firstSeen ??= await SeriesObservations.FirstSeenAsync(connection, transaction, _all.Value.Hosts, _all.Value.Apps, _all.Value.Versions, ct);
        if (minute >= _blockEnd)
        {
            _blockEnd = minute + Block < to ? minute + Block : to;
            var ends = new HashSet<DateTimeOffset>();
            for (var m = minute; m < _blockEnd; m = m.AddMinutes(1)) ends.UnionWith(SeriesObservations.SampleEnds(m, options));
            await using var command = new NpgsqlCommand(AlertingSql.BaselineDevicesAt, connection, transaction);
            SeriesObservations.AddFilter(command, _all.Value);
            command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = options.Window, NpgsqlDbType = NpgsqlDbType.Interval });
            _samples = await SeriesObservations.SamplesAsync(command, ct);
        }
        return SeriesObservations.Assemble(candidates, minute, options, _samples, _firstSeen);
    }
}
