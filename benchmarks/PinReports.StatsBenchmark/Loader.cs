using System.Diagnostics;
using Npgsql;
using ReportApi.Data;

/// <summary>
/// Generates the rollups of a month of traffic server-side (INSERT … SELECT generate_series: no client round trips).
/// Count rollups cover every minute of every day; device sets cover what the dashboard queries read (day grain: the
/// whole month; hour grain: the last 2 days; minute grain: the last 3 hours). Partition pruning keeps other days'
/// partitions out of those queries, so loading them would not change the figures, only the load time.
/// Issue #12: the serving counts (<c>failure_counts_*</c>) as the rollup closer leaves them, one row per bucket and
/// group of every grouping the grain stores (day: 30 days; hour: the last 8 days; minute and 5 minutes: the last 2
/// days), with the closed edge one minute before the end, so every query has an open bucket counted live.
/// </summary>
internal static class Loader
{
    private const int Series = 240;

    public const string RowCounts = """
        SELECT string_agg(format('%s=%s', relname, n_live_tup), ', ' ORDER BY relname)
        FROM (SELECT c.relname, sum(s.n_live_tup) AS n_live_tup
              FROM pg_class c JOIN pg_inherits i ON i.inhparent = c.oid JOIN pg_stat_user_tables s ON s.relid = i.inhrelid
              WHERE c.relname LIKE 'failure_%' GROUP BY c.relname) t
        """;

    public static async Task LoadAsync(NpgsqlDataSource dataSource, Options o)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var end = DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour);
        var start = end.AddDays(-o.Days);
        for (var day = DateOnly.FromDateTime(start); day <= DateOnly.FromDateTime(end); day = day.AddDays(1))
        {
            foreach (var sql in PartitionSql.CreateDayStatements(day)) await ExecAsync(connection, sql, null);
        }
        var perSeriesMinute = (double)o.Reports / (o.Days * 1440.0 * Series);
        var devicesPerHour = o.DevicesPerDay / 3;
        var devicesPerMinute = (int)(o.Reports / (o.Days * 1440L));
        Console.WriteLine(FormattableString.Invariant(
            $"loading {start:O} .. {end:O}: {Series} series, {perSeriesMinute:0.00} reports per series-minute, {devicesPerHour} devices an hour, {devicesPerMinute} device rows a minute"));

        await ExecAsync(connection, $"TRUNCATE failure_series, {string.Join(", ", RollupSchemaSql.Tables)}, {string.Join(", ", ServingSchemaSql.Tables)}, rollup_dirty_minutes RESTART IDENTITY", "truncate");
        // 2 apps × 5 versions × 2 platforms × 4 domains × 3 diagnoses; iOS apps enforce, Android ones report only.
        await ExecAsync(connection, """
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT 'com.example.app' || a, '3.' || v || '.0', pl, 'h' || h || '.example.com', 'h' || h || '.example.com', d,
                   CASE pl WHEN 'IOS' THEN 1 ELSE 0 END, now()
            FROM generate_series(1, 2) a, generate_series(0, 4) v, unnest(ARRAY['IOS', 'ANDROID']) pl, generate_series(1, 4) h,
                 unnest(ARRAY['server-rotation', 'interception-suspected', 'unknown']) d
            """, "series");
        var bounds = $"timestamptz '{start:yyyy-MM-dd HH:mm:ss}+00', timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00'";
        var average = perSeriesMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ExecAsync(connection, $"""
            INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices)
            SELECT m, s, r, (r * 0.1 * random())::int, (r * 0.8)::int
            FROM (SELECT m, s, (random() * 2 * {average})::int AS r
                  FROM generate_series({bounds} - interval '1 minute', interval '1 minute') m, generate_series(1, {Series}) s) x
            """, "minute counts");
        await ExecAsync(connection, """
            INSERT INTO failure_rollups_hour (bucket, series_id, reports, duplicates, devices)
            SELECT date_trunc('hour', bucket, 'UTC'), series_id, sum(reports), sum(duplicates), sum(devices) / 4 FROM failure_rollups_minute GROUP BY 1, 2
            """, "hour counts");
        await ExecAsync(connection, """
            INSERT INTO failure_rollups_day (bucket, series_id, reports, duplicates, devices)
            SELECT date_trunc('day', bucket, 'UTC'), series_id, sum(reports), sum(duplicates), sum(devices) / 8 FROM failure_rollups_hour GROUP BY 1, 2
            """, "day counts");
        // Device sets: each device belongs to one series (device % 240) and one in five also fails on a second one.
        string Devices(string table, string bucketFrom, string step, int perBucket) => $"""
            INSERT INTO {table} (bucket, series_id, device_id)
            SELECT b, 1 + ((device + CASE WHEN k % 5 = 0 THEN 1 + k % 7 ELSE 0 END) % {Series}), device
            FROM (SELECT b, k, (random() * {o.DevicePool})::bigint AS device
                  FROM generate_series({bucketFrom}, timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00' - interval '1 minute', {step}) b,
                       generate_series(1, {perBucket}) k) x
            ON CONFLICT DO NOTHING
            """;
        // Day buckets start at midnight (the month's first, partial day included).
        await ExecAsync(connection, Devices("failure_devices_day", $"timestamptz '{start.Date:yyyy-MM-dd HH:mm:ss}+00'", "interval '1 day'", o.DevicesPerDay), "day devices");
        await ExecAsync(connection, Devices("failure_devices_hour", $"timestamptz '{end.AddDays(-2):yyyy-MM-dd HH:mm:ss}+00'", "interval '1 hour'", devicesPerHour), "hour devices");
        await ExecAsync(connection, Devices("failure_devices_minute", $"timestamptz '{end.AddHours(-3):yyyy-MM-dd HH:mm:ss}+00'", "interval '1 minute'", devicesPerMinute), "minute devices");
        // Serving counts: every group of every stored grouping for each bucket, values shaped like the rollups.
        foreach (var (grain, since) in new[] { (ServingGrain.Day, start.Date), (ServingGrain.Hour, end.AddDays(-8)), (ServingGrain.FiveMinutes, end.AddDays(-2)), (ServingGrain.Minute, end.AddDays(-2)) })
        {
            await ExecAsync(connection, $"""
                INSERT INTO {grain.Table}
                SELECT b, g.dims, g.app, g.version, g.platform, g.hostname, g.noted_hostname, g.diagnosis,
                       g.n * {average} * {grain.Step.TotalMinutes}, g.n * {average} * {grain.Step.TotalMinutes} / 10, g.e * {average} * {grain.Step.TotalMinutes},
                       (g.n - g.e) * {average} * {grain.Step.TotalMinutes}, g.n * 40, g.e * 40, (g.n - g.e) * 40
                FROM generate_series(timestamptz '{since:yyyy-MM-dd HH:mm:ss}+00', timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00' - interval '1 minute', interval '{grain.SqlStep}') b,
                     (SELECT ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, count(*)::int AS n, count(*) FILTER (WHERE s.enforce = 1)::int AS e
                      FROM failure_series s CROSS JOIN unnest(ARRAY[{string.Join(", ", grain.StoredMasks)}]::smallint[]) AS ds (dims)
                      GROUP BY 1, 2, 3, 4, 5, 6, 7) g
                """, $"{grain.Table}");
        }
        // The closer ran a minute ago: the last minute is unfolded, the last hour and day are partial.
        await ExecAsync(connection, $"UPDATE rollup_watermarks SET at = timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00' - interval '1 minute'", null);
        await ExecAsync(connection, $"UPDATE rollup_watermarks SET at = NULL WHERE edge IN ('backfill', 'chain_backfill')", null);
        await ExecAsync(connection, "VACUUM ANALYZE failure_series", null);
        foreach (var table in RollupSchemaSql.Tables.Concat(ServingSchemaSql.Tables)) await ExecAsync(connection, $"VACUUM ANALYZE {table}", $"vacuum analyze {table}");
        await using var total = new NpgsqlCommand("SELECT sum(reports) FROM failure_rollups_day", connection);
        Console.WriteLine($"reports represented: {await total.ExecuteScalarAsync():N0}");
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, string? step)
    {
        var started = Stopwatch.GetTimestamp();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        var rows = await command.ExecuteNonQueryAsync();
        if (step is not null) Console.WriteLine($"  {step}: {rows:N0} rows in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }
}
