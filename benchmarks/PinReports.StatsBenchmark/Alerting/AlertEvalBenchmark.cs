using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReportApi.Alerting;
using ReportApi.Data;
using ReportApi.Domain.Alerting;
using ReportApi.Notifications;

namespace PinReports.StatsBenchmark.Alerting;

/// <summary>
/// Mode <c>alert-eval</c> (scripts/alert-eval-benchmark.sh): the shape the per-minute alert evaluation reads at 10,000
/// series without the 10 M raw reports of scripts/reports-benchmark.sh. 8 days of minute device and network sets for
/// 150 "loaded" series (234 device rows a minute, ≈ 2.7 M rows each, like that benchmark's derived sets) plus the
/// same 5,000 synthetic app versions on 5 hosts (10,000 more series, one failing device per series and 5 minutes in the
/// window and in all 21 baseline windows). Then the live evaluator's code (<see cref="AlertEvaluator.EvaluateAsync"/>)
/// timed on fresh alert tables: with no stored baseline windows (first evaluation, every window counted), in the steady
/// state (only the window that became comparable this minute counted), and with every window stored.
/// </summary>
internal static class AlertEvalBenchmark
{
    public static async Task RunAsync(string connection, int runs)
    {
        await using (var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
            .UseNpgsql(connection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention().Options))
        {
            await db.Database.MigrateAsync();
        }
        await using var dataSource = new NpgsqlDataSourceBuilder(connection).Build();
        var now = DateTimeOffset.UtcNow;
        var minute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var t = $"timestamptz '{minute.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00'";

        var loadStarted = Stopwatch.GetTimestamp();
        var today = DateOnly.FromDateTime(minute.UtcDateTime);
        for (var day = today.AddDays(-9); day <= today.AddDays(1); day = day.AddDays(1))
        {
            foreach (var sql in PartitionSql.CreateDayStatements(day)) await ExecAsync(dataSource, sql);
        }
        await ExecAsync(dataSource, "TRUNCATE failure_series, failure_devices_minute, failure_networks_minute, alert_evaluations, alerts CASCADE");
        // 150 series: 3 apps × 10 versions × 5 hosts; each minute of 8 days holds 234 device rows spread over them.
        await ExecAsync(dataSource, $"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT 'com.example.app' || a, '4.' || v || '.0', 'IOS', 'host' || h || '.example.com', 'host' || h || '.example.com',
                   'server-rotation', 1, {t} - interval '30 days'
            FROM generate_series(1, 3) a, generate_series(1, 10) v, generate_series(1, 5) h
            """);
        var loaded = $"""
            SELECT b.b AS bucket, s.ids[1 + (i * 7 + extract(epoch FROM b.b)::bigint / 60) % 150] AS series_id,
                   (abs(hashint8(extract(epoch FROM b.b)::bigint * 1000 + i)) % 1000000)::bigint AS device_id
            FROM generate_series({t} - interval '8 days', {t} - interval '1 minute', interval '1 minute') b,
                 generate_series(1, 234) i, (SELECT array_agg(id ORDER BY id) AS ids FROM failure_series) s
            """;
        await ExecAsync(dataSource, $"INSERT INTO failure_devices_minute (bucket, series_id, device_id) SELECT * FROM ({loaded}) l ON CONFLICT DO NOTHING");
        await ExecAsync(dataSource, $"INSERT INTO failure_networks_minute (bucket, series_id, network_id) SELECT bucket, series_id, device_id % 5000 FROM ({loaded}) l ON CONFLICT DO NOTHING");

        // The synthetic versions exactly as scripts/reports-benchmark.sh adds them (ReportsMeasure.AddSyntheticSeriesAsync).
        await ExecAsync(dataSource, $"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT 'com.example.synthetic', '9.' || v || '.0', 'IOS', 'synthetic' || (v % 5) || '.example.com', 'synthetic' || (v % 5) || '.example.com',
                   'server-rotation', 1, {t} - interval '20 days'
            FROM generate_series(1, 5000) v
            """);
        var minutes = $"""
            (SELECT generate_series({t} - interval '5 minutes', {t} - interval '1 minute', interval '1 minute') AS b
             UNION ALL
             SELECT generate_series({t} - make_interval(days => d) - interval '10 minutes', {t} - make_interval(days => d) + interval '4 minutes', interval '1 minute')
             FROM generate_series(1, 7) d) w
            """;
        const string synthetic = "s.app = 'com.example.synthetic' AND (extract(epoch FROM w.b)::bigint / 60 + s.id) % 5 = 0";
        await ExecAsync(dataSource, $"""
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT w.b, s.id, s.id::bigint * 100000 + extract(epoch FROM w.b)::bigint / 60 % 100000 FROM failure_series s, {minutes} WHERE {synthetic}
            ON CONFLICT DO NOTHING
            """);
        await ExecAsync(dataSource, $"""
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT w.b, s.id, s.id FROM failure_series s, {minutes} WHERE {synthetic}
            ON CONFLICT DO NOTHING
            """);
        // A running closer's edges: every minute before the evaluated one is closed.
        await ExecAsync(dataSource, $"UPDATE rollup_watermarks SET at = {t} WHERE edge IN ('closing', 'closed')");
        foreach (var table in new[] { "failure_series", "failure_devices_minute", "failure_networks_minute" }) await ExecAsync(dataSource, $"VACUUM ANALYZE {table}");
        Console.WriteLine(FormattableString.Invariant($"loaded in {Stopwatch.GetElapsedTime(loadStarted).TotalSeconds:0} s: {await ScalarAsync<string>(dataSource, """
            SELECT (SELECT count(*) FROM failure_series) || ' series, ' || (SELECT count(*) FROM failure_devices_minute) || ' device rows, '
                || (SELECT count(*) FROM failure_networks_minute) || ' network rows'
            """)}"));

        var detector = new DetectorOptions();
        var evaluator = new AlertEvaluator(new AlertingStore(dataSource), Microsoft.Extensions.Options.Options.Create(detector),
            Microsoft.Extensions.Options.Options.Create(new AlertEvaluatorOptions()), Microsoft.Extensions.Options.Options.Create(new NotificationOptions()),
            TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        var stored = await ScalarAsync<bool>(dataSource, "SELECT to_regclass('alert_baseline_counts') IS NOT NULL");
        const string fresh = "TRUNCATE alert_evaluations, alerts CASCADE";
        Console.WriteLine($"uptime before measuring: {Uptime()}");
        Console.WriteLine("| alert evaluation, 10,000-series fixture | series | median ms | p95 ms | min ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        await TimeAsync("no stored baseline windows (every comparable window counted)", evaluator, minute, runs,
            async () => await ExecAsync(dataSource, stored ? $"{fresh}; TRUNCATE alert_baseline_counts" : fresh));
        if (stored)
        {
            // The steady state: the window that became comparable this minute (yesterday's, one window after the time of day) is new.
            var newest = minute.AddDays(-1) + detector.BaselineNeighbourWindows * detector.Window;
            var start = $"timestamptz '{(newest - detector.Window).UtcDateTime:yyyy-MM-dd HH:mm:ss}+00'";
            await TimeAsync("steady state (one new comparable window counted, 20 stored)", evaluator, minute, runs, async () => await ExecAsync(dataSource,
                $"{fresh}; DELETE FROM alert_baseline_counts WHERE window_start = {start}"));
            await TimeAsync("every comparable window stored", evaluator, minute, runs, async () => await ExecAsync(dataSource, fresh));
        }
        Console.WriteLine($"uptime after measuring: {Uptime()}");
    }

    private static async Task TimeAsync(string name, AlertEvaluator evaluator, DateTimeOffset minute, int runs, Func<Task> reset)
    {
        var count = 0;
        var times = new List<double>();
        for (var i = -2; i < runs; i++)
        {
            await reset();
            var started = Stopwatch.GetTimestamp();
            var evaluation = await evaluator.EvaluateAsync(minute, CancellationToken.None);
            if (i >= 0) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            count = evaluation.SeriesCount;
        }
        times.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"| {name} | {count:N0} | {times[times.Count / 2]:0.0} | {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0} | {times[0]:0.0} |"));
    }

    private static string Uptime() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

    private static async Task ExecAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static int Runs(string[] args) =>
        args.SkipWhile(a => a != "--runs").Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : 9;
}
