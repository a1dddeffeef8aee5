using System.Diagnostics;
using Npgsql;
using ReportApi.Data;

/// <summary>
/// Generates the rollups of a month of traffic server-side (INSERT … SELECT generate_series: no client round trips).
/// Count rollups cover every minute of every day; device sets cover what the dashboard queries read (day grain: the
/// whole month; hour grain: the last 2 days; minute grain: the last 3 hours). Partition pruning keeps other days'
/// partitions out of those queries, so loading them would not change the figures, only the load time.
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

        await ExecAsync(connection, $"TRUNCATE failure_series, {string.Join(", ", RollupSchemaSql.Tables)} RESTART IDENTITY", "truncate");
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
                  FROM generate_series({bucketFrom}, timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00' - {step}, {step}) b,
                       generate_series(1, {perBucket}) k) x
            ON CONFLICT DO NOTHING
            """;
        await ExecAsync(connection, Devices("failure_devices_day", $"timestamptz '{start:yyyy-MM-dd HH:mm:ss}+00'", "interval '1 day'", o.DevicesPerDay), "day devices");
        await ExecAsync(connection, Devices("failure_devices_hour", $"timestamptz '{end.AddDays(-2):yyyy-MM-dd HH:mm:ss}+00'", "interval '1 hour'", devicesPerHour), "hour devices");
        await ExecAsync(connection, Devices("failure_devices_minute", $"timestamptz '{end.AddHours(-3):yyyy-MM-dd HH:mm:ss}+00'", "interval '1 minute'", devicesPerMinute), "minute devices");
        await ExecAsync(connection, "VACUUM ANALYZE failure_series", null);
        foreach (var table in RollupSchemaSql.Tables) await ExecAsync(connection, $"VACUUM ANALYZE {table}", $"vacuum analyze {table}");
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
