using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Writes a traffic trace into the minute rollups, device sets and network sets with past timestamps: the history a
/// backtest (or a demo) runs on, without replaying millions of reports through HTTP. The daily partitions of the
/// trace's days are created first (<see cref="PartitionMaintenance"/>); the minutes are marked dirty so the rollup closer
/// recounts hours and days it had already closed. Rows add to what is stored (a device already in a minute's set stays
/// one device); no reports are written, so alert text built from reports (the top chain) is empty for traced traffic.
/// </summary>
internal sealed class TraceWriter(NpgsqlDataSource dataSource, PartitionMaintenance partitions)
{
    public async Task<int> WriteAsync(IReadOnlyList<TraceRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return 0;
        await partitions.EnsureAsync(DateOnly.FromDateTime(rows.Min(r => r.Minute).UtcDateTime), DateOnly.FromDateTime(rows.Max(r => r.Minute).UtcDateTime), ct);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ids = new Dictionary<(string, string, string, string), int>();
        foreach (var group in rows.GroupBy(r => (r.App, r.Version, r.Host, r.Diagnosis)))
        {
            await using var series = new NpgsqlCommand(TraceSql.UpsertSeries, connection, transaction);
            series.Parameters.Add(new() { Value = group.Key.App });
            series.Parameters.Add(new() { Value = group.Key.Version });
            series.Parameters.Add(new() { Value = group.Key.Host });
            series.Parameters.Add(new() { Value = group.Key.Diagnosis });
            series.Parameters.Add(new() { Value = group.Min(r => r.Minute).ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            ids[group.Key] = (int)(await series.ExecuteScalarAsync(ct))!;
        }

        // In slices, so a week of trace is a handful of statements rather than one per row.
        foreach (var slice in rows.Chunk(20_000))
        {
            await using var command = new NpgsqlCommand(TraceSql.WriteMinutes, connection, transaction);
            command.Parameters.Add(Array(slice.Select(r => r.Minute.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz));
            command.Parameters.Add(Array(slice.Select(r => ids[(r.App, r.Version, r.Host, r.Diagnosis)]).ToArray(), NpgsqlDbType.Integer));
            command.Parameters.Add(Array(slice.Select(r => r.Reports).ToArray(), NpgsqlDbType.Integer));
            command.Parameters.Add(Array(slice.Select(r => r.Devices).ToArray(), NpgsqlDbType.Integer));
            command.Parameters.Add(Array(slice.Select(r => DeviceBase(r.App, r.Version) + r.FirstDevice).ToArray(), NpgsqlDbType.Bigint));
            command.Parameters.Add(Array(slice.Select(r => r.Networks).ToArray(), NpgsqlDbType.Integer));
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>Device ids of a version start at a hash of it (low 40 bits clear): versions do not share devices.</summary>
    private static long DeviceBase(string app, string version) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"trace\n{app}\n{version}")), 0) & ~((1L << 40) - 1);

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType type) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };
}

/// <summary>The trace writer's SQL.</summary>
internal static class TraceSql
{
    /// <summary>The series of a trace line (iOS, enforced, hostname = noted hostname); first seen moves earlier, never later.</summary>
    public const string UpsertSeries = """
        INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
        VALUES ($1, $2, 'IOS', $3, $3, $4, 1, $5)
        ON CONFLICT (app, version, platform, noted_hostname, hostname, diagnosis, enforce)
        DO UPDATE SET first_seen_at = least(failure_series.first_seen_at, excluded.first_seen_at)
        RETURNING id
        """;

    /// <summary>
    /// $1 minute, $2 series id, $3 reports, $4 devices, $5 first device id, $6 networks, one element per trace line. Lines of
    /// the same series and minute add up (their device ranges may overlap: the device set stays exact, the rollup's
    /// devices column is then an upper bound).
    /// Network ids are small numbers (0..n−1): the same network in every series, never a real network's keyed hash.
    /// </summary>
    public const string WriteMinutes = """
        WITH t AS (SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::int[], $4::int[], $5::bigint[], $6::int[])
                   AS t(bucket, series_id, reports, devices, first_device, networks)),
        r AS (
            INSERT INTO failure_rollups_minute AS r (bucket, series_id, writer, reports, duplicates, devices)
            SELECT bucket, series_id, 0, sum(reports), 0, sum(devices) FROM t GROUP BY bucket, series_id
            ON CONFLICT (bucket, series_id, writer) DO UPDATE SET reports = r.reports + excluded.reports, devices = greatest(r.devices, excluded.devices)
        ),
        d AS (
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT t.bucket, t.series_id, t.first_device + g FROM t, generate_series(0, t.devices - 1) AS g
            ON CONFLICT DO NOTHING
        ),
        n AS (
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT t.bucket, t.series_id, g FROM t, generate_series(0, t.networks - 1) AS g
            ON CONFLICT DO NOTHING
        )
        INSERT INTO rollup_dirty_minutes (minute) SELECT DISTINCT bucket FROM t ON CONFLICT DO NOTHING
        """;
}
