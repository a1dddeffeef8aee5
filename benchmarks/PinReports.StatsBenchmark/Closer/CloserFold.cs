using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using ReportApi.Data;
using ReportApi.Rollups;

namespace PinReports.StatsBenchmark.Closer;

/// <summary>
/// The closer's fold of a flood minute (issue #12, the incident case of issue #11 item 5): one minute in which
/// <c>--flood-devices</c> never-seen devices report, over <c>--series</c> series, a few percent of them in two series
/// of the bucket (another hostname or diagnosis of the same app, enforced and report-only mixed), beside background
/// traffic from a pool of returning devices. Loaded as ingest leaves it (raw reports, their chains, the minute rollups
/// and device sets), the closer folds everything before the flood minute (untimed), then the flood minute is folded by
/// the real <see cref="RollupCloser"/> and its per-grain durations are printed, with a check of the folded counts
/// against a count over the minute device sets. Usage: scripts/closer-benchmark.sh [--flood-devices 500000]
/// [--series 1000] [--multi-percent 3] [--background-devices 5000] [--background-minutes 94] [--explain: the statements under EXPLAIN ANALYZE first, rolled back].
/// </summary>
internal static class CloserFold
{
    public static async Task RunAsync(string[] args)
    {
        var o = FloodOptions.Parse(args);
        Console.WriteLine($"closer fold of a flood minute: {o}");
        await using var dataSource = new NpgsqlDataSourceBuilder(o.Connection).Build();
        await using (var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
            .UseNpgsql(o.Connection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention().Options))
        {
            await db.Database.MigrateAsync();
        }

        // A fixed past day; the flood is the last minute of a five-minute bin (10:34), so the fold of that one minute
        // counts the minute, its five minutes, and adds to the hour and the day the closer already counted.
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var flood = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 34)), TimeSpan.Zero);
        var first = flood.AddMinutes(-o.BackgroundMinutes);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await LoadAsync(connection, o, day, first, flood);
        }

        var clock = new FixedClock(flood);
        var captured = new CapturingLogger();
        var closer = new RollupCloser(dataSource, Microsoft.Extensions.Options.Options.Create(new RollupsOptions { CloseDelay = TimeSpan.Zero }), clock, captured);
        var started = Stopwatch.GetTimestamp();
        await closer.CloseAsync(wait: true, CancellationToken.None);
        Console.WriteLine(FormattableString.Invariant($"  background folded by the closer (untimed): {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            // As autovacuum would have left them after an hour and a half of traffic.
            foreach (var table in RollupSchemaSql.Tables.Concat(ServingSchemaSql.Tables).Concat(ChainSchemaSql.Tables).Append("failure_chains").Append("failure_series"))
            {
                await ExecAsync(connection, $"VACUUM ANALYZE {table}", null);
            }
        }

        if (o.Explain)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await ExplainAsync(connection, flood);
            // The explained statements ran and were rolled back: their dead rows go before the timed fold.
            foreach (var table in RollupSchemaSql.Tables.Concat(ServingSchemaSql.Tables).Concat(ChainSchemaSql.Tables))
            {
                await ExecAsync(connection, $"VACUUM ANALYZE {table}", null);
            }
        }

        captured.Folds.Clear();
        clock.Now = flood.AddMinutes(1);
        Console.WriteLine($"uptime before the fold: {Uptime()}");
        started = Stopwatch.GetTimestamp();
        var folds = await closer.CloseAsync(wait: true, CancellationToken.None);
        var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Console.WriteLine($"uptime after the fold: {Uptime()}");
        if (folds != 1 || captured.Folds.Count != 1) throw new InvalidOperationException($"expected one fold of the flood minute, got {folds}");
        var t = captured.Folds[0];
        Console.WriteLine();
        Console.WriteLine("| fold of the flood minute | ms |");
        Console.WriteLine("|---|---:|");
        foreach (var (name, key) in new[] { ("minute", "MinuteMs"), ("five_minute", "FiveMinuteMs"), ("hour", "HourMs"), ("day", "DayMs"), ("chains", "ChainsMs") })
        {
            Console.WriteLine(FormattableString.Invariant($"| {name} | {t[key]:N0} |"));
        }
        Console.WriteLine(FormattableString.Invariant($"| whole fold (CloseAsync, one transaction) | {total:N0} |"));
        Console.WriteLine();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await CheckAsync(connection, flood);
        }
    }

    /// <summary>
    /// <c>--explain</c>: the closer's statements for the flood minute under <c>EXPLAIN (ANALYZE, BUFFERS)</c>, in the
    /// closer's order and with its parameters, in one transaction that is rolled back; key lines printed.
    /// </summary>
    private static async Task ExplainAsync(NpgsqlConnection connection, DateTimeOffset flood)
    {
        var hi = flood.AddMinutes(1);
        var hour = new DateTimeOffset(flood.Year, flood.Month, flood.Day, flood.Hour, 0, 0, TimeSpan.Zero);
        var day = new DateTimeOffset(flood.Year, flood.Month, flood.Day, 0, 0, 0, TimeSpan.Zero);
        var bin = flood.AddMinutes(-4);
        DateTimeOffset[] none = [];
        await using var tx = await connection.BeginTransactionAsync();
        await ExecAsync(connection, "SET LOCAL jit = off", null);
        var steps = new (string Name, string Sql, object[] Args)[]
        {
            ("minute: recount", RollupsSql.Recount(ServingGrain.Minute), [new[] { flood }, ServingGrain.Minute.StoredMasks, flood, hi]),
            ("five_minute: recount", RollupsSql.Recount(ServingGrain.FiveMinutes), [new[] { bin }, ServingGrain.FiveMinutes.StoredMasks, bin, hi]),
            ("hour: fold devices", RollupsSql.FoldDevices(ServingGrain.Hour), [flood, hi, none, new[] { hour }, ServingGrain.Hour.StoredMasks]),
            ("day: fold devices", RollupsSql.FoldDevices(ServingGrain.Day), [flood, hi, none, new[] { day }, ServingGrain.Day.StoredMasks]),
            ("chains: add chains", ChainsSql.AddChains, [flood, hi, none]),
            ("chains: fold", ChainsSql.Fold, [flood, hi, none]),
        };
        foreach (var (name, sql, args) in steps)
        {
            if (name.EndsWith("recount", StringComparison.Ordinal))
            {
                var grain = name.StartsWith("minute", StringComparison.Ordinal) ? ServingGrain.Minute : ServingGrain.FiveMinutes;
                await using var delete = Parameters(new NpgsqlCommand(RollupsSql.DeleteCounts(grain), connection, tx), [args[0], args[2], args[3]]);
                await delete.ExecuteNonQueryAsync();
            }
            await using var command = Parameters(new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, connection, tx) { CommandTimeout = 0 }, args);
            var lines = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
            }
            Console.WriteLine($"### {name}");
            Console.WriteLine("```");
            foreach (var line in lines.Where(l => l.Contains("Scan", StringComparison.Ordinal) || l.Contains("Join", StringComparison.Ordinal)
                || l.Contains("Aggregate", StringComparison.Ordinal) || l.Contains("SubPlan", StringComparison.Ordinal)
                || l.Contains("Insert on", StringComparison.Ordinal) || l.Contains("CTE ", StringComparison.Ordinal)
                || l.StartsWith("Execution Time", StringComparison.Ordinal)))
            {
                if (!line.Contains("never executed", StringComparison.Ordinal)) Console.WriteLine(line.TrimEnd());
            }
            Console.WriteLine("```");
        }
        await tx.RollbackAsync();
    }

    private static NpgsqlCommand Parameters(NpgsqlCommand command, object[] args)
    {
        foreach (var arg in args)
        {
            command.Parameters.Add(arg switch
            {
                DateTimeOffset t => new NpgsqlParameter { Value = t, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                DateTimeOffset[] a => new NpgsqlParameter { Value = a, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz },
                short[] m => new NpgsqlParameter { Value = m, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Smallint },
                _ => throw new ArgumentException($"unsupported parameter {arg.GetType()}"),
            });
        }
        return command;
    }

    private static async Task LoadAsync(NpgsqlConnection connection, FloodOptions o, DateOnly day, DateTimeOffset first, DateTimeOffset flood)
    {
        foreach (var sql in PartitionSql.CreateDayStatements(day)) await ExecAsync(connection, sql, null);
        await ExecAsync(connection, $"""
            TRUNCATE reports, certificate_chains, failure_series, failure_chains, rollup_dirty_minutes,
                     {string.Join(", ", RollupSchemaSql.Tables.Concat(ServingSchemaSql.Tables).Concat(ChainSchemaSql.Tables))} RESTART IDENTITY
            """, "truncate");
        await ExecAsync(connection, "UPDATE rollup_watermarks SET at = NULL", null);
        // 2 apps × 10 versions × 2 platforms × hosts × 5 diagnoses; hosts 1..3 enforce, the others report only.
        var hosts = Math.Max(1, o.Series / 200);
        await ExecAsync(connection, $"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT 'com.example.app' || a, '4.' || v || '.0', pl, 'h' || h || '.example.com', 'h' || h || '.example.com', d,
                   CASE WHEN h <= 3 THEN 1 ELSE 0 END, now()
            FROM generate_series(1, 2) a, generate_series(0, 9) v, unnest(ARRAY['IOS', 'ANDROID']) pl, generate_series(1, {hosts}) h,
                 unnest(ARRAY['server-rotation', 'interception-suspected', 'certificate-invalid', 'client-config-error', 'unknown']) d
            ORDER BY 1, 2, 3, 5, 6
            """, "series");
        await ExecAsync(connection, """
            INSERT INTO certificate_chains (fingerprint, certificate_count, certificates, leaf_subject, leaf_issuer, leaf_spki_sha256, first_seen_at)
            SELECT sha256(int4send(i)), 3, '[]', 'CN=edge' || i || '.example.com', 'CN=Example CA ' || (i % 5), encode(sha256(int4send(-i)), 'base64'), now()
            FROM generate_series(0, 199) i
            """, "chains");
        // Who reports when: background minutes draw from a pool of returning devices, the flood minute adds never-seen
        // devices (skewed over the series, as real traffic is), and --multi-percent of them report in a second series
        // of the same app, version and platform (another host: possibly the other enforce mode; or another diagnosis).
        var seriesCount = await ScalarAsync<long>(connection, "SELECT count(*) FROM failure_series");
        var multi = (o.MultiPercent / 100.0).ToString(CultureInfo.InvariantCulture);
        await ExecAsync(connection, $"""
            CREATE TEMP TABLE gen AS
            WITH who AS (
                SELECT x.m, (abs(hashint8(k.k * 7919 + extract(epoch FROM x.m)::bigint)) % {o.Pool})::bigint AS device, k.k
                FROM generate_series(timestamptz '{first:yyyy-MM-dd HH:mm}+00', timestamptz '{flood:yyyy-MM-dd HH:mm}+00', interval '1 minute') x (m),
                     generate_series(1, {o.BackgroundDevices}) k (k)
                UNION ALL
                SELECT timestamptz '{flood:yyyy-MM-dd HH:mm}+00', 100000000 + k, k FROM generate_series(1, {o.FloodDevices}) k
            ), placed AS (
                SELECT m, device, k, 1 + floor({seriesCount} * power((abs(hashint8(device)) % 1000003) / 1000003.0, 2))::int AS series_id
                FROM who
            )
            SELECT m, device, k, series_id FROM placed
            UNION ALL
            -- The second series: next host (same app/version/platform/diagnosis) or next diagnosis.
            SELECT m, device, k, CASE WHEN device % 2 = 0 THEN series_id - (series_id - 1) % {5 * hosts} + ((series_id - 1) % {5 * hosts} + 5) % {5 * hosts}
                                      ELSE series_id + CASE WHEN series_id % 5 = 0 THEN -1 ELSE 1 END END
            FROM placed WHERE (abs(hashint8(device * 31)) % 1000003) / 1000003.0 < {multi}
            """, "generated report rows");
        await ExecAsync(connection, """
            INSERT INTO reports (id, received_at, dialect, hostname, noted_hostname, enforce_pinning, validation_result, app_bundle_id,
                                 app_version, app_platform, device_hash, client_time_quality, validated_chain_fingerprint,
                                 pin_set_fingerprint, dedup_key, diagnosis, raw)
            SELECT gen_random_uuid(), g.m + (g.k % 60000) * interval '1 millisecond', 'trustkit', s.hostname, s.noted_hostname, s.enforce = 1, 1,
                   s.app, s.version, s.platform, sha256(int8send(g.device)), 'ok',
                   sha256(int4send(((substring(s.hostname FROM 2 FOR 1)::int - 1) * 40 + g.device % 40)::int % 200)),
                   '\x00'::bytea, sha256(int8send(g.device) || int4send(g.series_id)), s.diagnosis, '{}'::jsonb
            FROM gen g JOIN failure_series s ON s.id = g.series_id
            ORDER BY 2
            """, "reports");
        // The minute grain as ingest writes it: device ids are the first 8 bytes of the device hash.
        await ExecAsync(connection, """
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT DISTINCT g.m, g.series_id, ('x' || encode(substring(sha256(int8send(g.device)) FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            FROM gen g ORDER BY 1, 2, 3
            """, "minute device rows");
        await ExecAsync(connection, """
            INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices, writer)
            SELECT g.m, g.series_id, count(*), 0, count(DISTINCT g.device), 0 FROM gen g GROUP BY 1, 2 ORDER BY 1, 2
            """, "minute rollups");
        await ExecAsync(connection, "DROP TABLE gen", null);
        foreach (var table in new[] { "reports", "certificate_chains", "failure_series", "failure_devices_minute", "failure_rollups_minute" })
        {
            await ExecAsync(connection, $"VACUUM ANALYZE {table}", null);
        }
        var at = $"timestamptz '{flood:yyyy-MM-dd HH:mm}+00'";
        var rows = await ScalarAsync<long>(connection, $"SELECT count(*) FROM failure_devices_minute WHERE bucket = {at}");
        var devices = await ScalarAsync<long>(connection, $"SELECT count(DISTINCT device_id) FROM failure_devices_minute WHERE bucket = {at}");
        var series = await ScalarAsync<long>(connection, $"SELECT count(DISTINCT series_id) FROM failure_devices_minute WHERE bucket = {at}");
        Console.WriteLine(FormattableString.Invariant($"  flood minute {flood:yyyy-MM-dd HH:mm}: {rows:N0} device rows, {devices:N0} devices, {series:N0} series"));
    }

    /// <summary>The folded counts of the flood's buckets against a count over the minute device sets (every grouping of up to two dimensions, devices and the split).</summary>
    private static async Task CheckAsync(NpgsqlConnection connection, DateTimeOffset flood)
    {
        var hour = new DateTimeOffset(flood.Year, flood.Month, flood.Day, flood.Hour, 0, 0, TimeSpan.Zero);
        var dayStart = new DateTimeOffset(flood.Year, flood.Month, flood.Day, 0, 0, 0, TimeSpan.Zero);
        foreach (var (grain, from, to) in new[]
                 {
                     (ServingGrain.Minute, flood, flood.AddMinutes(1)), (ServingGrain.FiveMinutes, flood.AddMinutes(-4), flood.AddMinutes(1)),
                     (ServingGrain.Hour, hour, flood.AddMinutes(1)), (ServingGrain.Day, dayStart, flood.AddMinutes(1)),
                 })
        {
            var masks = string.Join(", ", ServingGrain.Minute.StoredMasks);
            var differences = await ScalarAsync<long>(connection, $"""
                WITH truth AS (
                    SELECT ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, count(DISTINCT m.device_id) AS devices,
                           count(DISTINCT m.device_id) FILTER (WHERE s.enforce = 1) AS devices_enforced,
                           count(DISTINCT m.device_id) FILTER (WHERE s.enforce = 0) AS devices_report_only
                    FROM failure_devices_minute m JOIN failure_series s ON s.id = m.series_id CROSS JOIN unnest(ARRAY[{masks}]::smallint[]) ds (dims)
                    WHERE m.bucket >= '{from:O}' AND m.bucket < '{to:O}'
                    GROUP BY 1, 2, 3, 4, 5, 6, 7
                ), served AS (
                    SELECT dims, {ServingDimensions.Bare}, devices, devices_enforced, devices_report_only FROM {grain.Table}
                    WHERE bucket = date_bin(interval '{grain.SqlStep}', timestamptz '{flood:O}', timestamptz '2000-01-01 00:00:00+00') AND dims = ANY(ARRAY[{masks}]::smallint[])
                )
                SELECT count(*) FROM (
                    (SELECT * FROM truth EXCEPT SELECT * FROM served) UNION ALL (SELECT * FROM served EXCEPT SELECT * FROM truth)) x
                """);
            Console.WriteLine($"  {grain.Name}: served counts of the flood's bucket that differ from the raw count: {differences}");
            if (differences != 0) throw new InvalidOperationException($"the {grain.Name} counts of the flood bucket are not exact");
        }
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, string? step)
    {
        var started = Stopwatch.GetTimestamp();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        var rows = await command.ExecuteNonQueryAsync();
        if (step is not null) Console.WriteLine($"  {step}: {rows:N0} rows in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    private static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Keeps the structured values of the closer's "Rollups closed" line (its per-grain durations).</summary>
    private sealed class CapturingLogger : ILogger<RollupCloser>
    {
        public List<Dictionary<string, double>> Folds { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values || !values.Any(v => v.Key == "MinuteMs")) return;
            Folds.Add(values.Where(v => v.Value is double).ToDictionary(v => v.Key, v => (double)v.Value!));
        }
    }
}

internal sealed record FloodOptions(string Connection, int FloodDevices, int Series, double MultiPercent, int BackgroundDevices, int BackgroundMinutes, int Pool, bool Explain)
{
    public static FloodOptions Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new FloodOptions(
            Get("--connection") ?? Environment.GetEnvironmentVariable("PINREPORTS_BENCH_POSTGRES")
                ?? throw new InvalidOperationException("--connection or PINREPORTS_BENCH_POSTGRES is required (scripts/closer-benchmark.sh sets it)."),
            int.Parse(Get("--flood-devices") ?? "500000", CultureInfo.InvariantCulture),
            int.Parse(Get("--series") ?? "1000", CultureInfo.InvariantCulture),
            double.Parse(Get("--multi-percent") ?? "3", CultureInfo.InvariantCulture),
            int.Parse(Get("--background-devices") ?? "5000", CultureInfo.InvariantCulture),
            int.Parse(Get("--background-minutes") ?? "94", CultureInfo.InvariantCulture),
            int.Parse(Get("--pool") ?? "60000", CultureInfo.InvariantCulture),
            args.Contains("--explain"));
    }

    public override string ToString() => FormattableString.Invariant(
        $"{FloodDevices:N0} never-seen devices in one minute over about {Series:N0} series ({MultiPercent}% in two series), {BackgroundDevices:N0} devices a minute from a pool of {Pool:N0} over {BackgroundMinutes} minutes before it");
}
