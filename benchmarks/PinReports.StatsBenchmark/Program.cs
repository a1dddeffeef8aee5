using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Stats;

// Loads a month of rollups shaped like 50 million reports and times the stats queries behind the dashboards.
// Usage: scripts/stats-benchmark.sh [--runs 15] [--panel-runs 7] [--devices-per-day 100000] [--skip-load]
// Modes reports-load and reports-measure: the raw reports table and the responder paths (scripts/reports-benchmark.sh).
// reports-index-cost --index "CREATE INDEX ON {table} (...)": what a candidate index costs per ingested row.
// Mode closer-fold: the rollup closer's fold of a flood minute, per grain (scripts/closer-benchmark.sh).
// Mode alert-eval: the alert evaluation at 10,000 series on a generated fixture (scripts/alert-eval-benchmark.sh).
if (args.FirstOrDefault() is "alert-eval")
{
    await PinReports.StatsBenchmark.Alerting.AlertEvalBenchmark.RunAsync(
        args.SkipWhile(a => a != "--connection").Skip(1).FirstOrDefault() ?? throw new ArgumentException("--connection is required"),
        PinReports.StatsBenchmark.Alerting.AlertEvalBenchmark.Runs(args));
    return;
}
if (args.FirstOrDefault() is "reports-load" or "reports-measure" or "reports-index-cost")
{
    var reportOptions = PinReports.StatsBenchmark.Reports.ReportsOptions.Parse(args);
    await using var reportsSource = new NpgsqlDataSourceBuilder(reportOptions.Connection).Build();
    switch (args[0])
    {
        case "reports-load":
            await PinReports.StatsBenchmark.Reports.ReportsLoader.LoadAsync(reportsSource, reportOptions);
            break;
        case "reports-measure":
            await PinReports.StatsBenchmark.Reports.ReportsMeasure.RunAsync(reportsSource, reportOptions);
            break;
        default:
            var index = args.SkipWhile(a => a != "--index").Skip(1).FirstOrDefault() ?? throw new ArgumentException("--index \"CREATE INDEX ON {table} (...)\" is required");
            await PinReports.StatsBenchmark.Reports.ReportsIndexCost.RunAsync(reportsSource, reportOptions, index);
            break;
    }
    return;
}
if (args.FirstOrDefault() is "closer-fold")
{
    await PinReports.StatsBenchmark.Closer.CloserFold.RunAsync(args);
    return;
}
var options = Options.Parse(args);
Console.WriteLine($"PinReports stats benchmark: {options}");
await using var dataSource = new NpgsqlDataSourceBuilder(options.Connection).Build();

if (!options.SkipLoad)
{
    await using (var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
        .UseNpgsql(options.Connection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
        .UseSnakeCaseNamingConvention().Options))
    {
        await db.Database.MigrateAsync();
    }
    await Loader.LoadAsync(dataSource, options);
}

// The read function of this build (CREATE OR REPLACE), so --skip-load measures the code checked out, not the one loaded.
await using (var refresh = dataSource.CreateCommand(ServingSchemaSql.CreateGrainFunction + ServingSchemaSql.CreateSeenSeriesFunction + ServingSchemaSql.CreateStatsFunction))
{
    await refresh.ExecuteNonQueryAsync();
}

var end = await Scalar<DateTime>(dataSource, "SELECT max(bucket) + interval '1 minute' FROM failure_rollups_minute");
var endUtc = new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc));
Console.WriteLine($"settings: {await Scalar<string>(dataSource, "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ') FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'server_version')")}");
Console.WriteLine($"rows: {await Scalar<string>(dataSource, Loader.RowCounts)}");

// Denominators for every (app, version, platform) and day, except Android 3.4.0 (unknown: its groups get no rate), so
// the activity path runs at scale too. Idempotent: --skip-load runs keep the rows.
await using (var activity = dataSource.CreateCommand("""
    INSERT INTO app_activity (app, version, platform, day, active_devices, updated_at)
    SELECT t.app, t.version, t.platform, d::date, 50000 + (abs(hashtext(t.app || t.version || t.platform || d::date)) % 50000), now()
    FROM (SELECT DISTINCT app, version, platform FROM failure_series WHERE NOT (platform = 'ANDROID' AND version = '3.4.0')) t,
         generate_series((SELECT min(bucket) FROM failure_rollups_day), (SELECT max(bucket) FROM failure_rollups_day), interval '1 day') d
    ON CONFLICT (app, version, platform, day) DO NOTHING
    """))
{
    await activity.ExecuteNonQueryAsync();
}

// The API's own path (StatsEndpoints.StreamFailures: validation, StatsSql over failure_stats, zero-fill and JSON
// streamed into a counting body) against the path before (Before.cs: the zero-filled SQL, objects, serialiser), and
// the SQL alone (rows read, nothing built). Both answers must be the same bytes.
var queries = new (string Name, StatsInterval Interval, TimeSpan Range, string[] GroupBy)[]
{
    ("last hour by version (1m)", StatsInterval.OneMinute, TimeSpan.FromHours(1), ["version"]),
    ("last 24 h by domain (1h)", StatsInterval.OneHour, TimeSpan.FromHours(24), ["hostname"]),
    ("7 days by hour and version (1h)", StatsInterval.OneHour, TimeSpan.FromDays(7), ["version"]),
    ("30 days by day (total)", StatsInterval.OneDay, TimeSpan.FromDays(30), []),
    ("30 days by day and version (1d)", StatsInterval.OneDay, TimeSpan.FromDays(30), ["version"]),
    ("30 days by day, app+version+platform+domain+diagnosis (1d)", StatsInterval.OneDay, TimeSpan.FromDays(30), ["app", "version", "platform", "hostname", "diagnosis"]),
};
Console.WriteLine();
Console.WriteLine($"uptime: {Uptime()}");
Console.WriteLine("| query | buckets out | JSON bytes | same bytes as before | API call median / p95 ms | SQL alone median / p95 ms | before: API call median / p95 ms |");
Console.WriteLine("|---|---:|---:|---|---:|---:|---:|");
var plans = new List<string>();
foreach (var (name, interval, range, groupBy) in queries)
{
    var from = interval.Floor(endUtc - range);
    var query = $"?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(endUtc.ToString("O"))}&interval={interval.Name}&groupBy={string.Join(",", groupBy.Select(c => StatsDimension.All.Single(d => d.Column == c).Name))}";
    var request = StatsRequest.Parse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)), endUtc).Request
        ?? throw new InvalidOperationException("benchmark query rejected: " + query);
    var sql = StatsSql.Failures(groupBy);
    byte[] after = [], before = [];
    var rows = 0;
    for (var i = 0; i < 2; i++)
    {
        after = await ApiAsync(dataSource, query);
        before = await Before.RunAsync(dataSource, request);
        rows = await RunAsync(dataSource, sql, from, endUtc, interval, groupBy);
    }
    var api = await TimeAsync(options.Runs, () => ApiAsync(dataSource, query));
    var sqlAlone = await TimeAsync(options.Runs, () => RunAsync(dataSource, sql, from, endUtc, interval, groupBy));
    var old = await TimeAsync(options.Runs, () => Before.RunAsync(dataSource, request));
    using var document = JsonDocument.Parse(after);
    var buckets = document.RootElement.GetProperty("series").EnumerateArray().Sum(s => s.GetProperty("buckets").GetArrayLength());
    Console.WriteLine(FormattableString.Invariant(
        $"| {name} | {buckets} | {after.Length} | {(after.AsSpan().SequenceEqual(before) ? "yes" : "NO")} | {api} | {sqlAlone} | {old} |"));
    plans.Add($"### {name}\n" + await ExplainAsync(dataSource, sql, from, endUtc, interval, groupBy)
        + "inside failure_stats (the counts and devices of the grouping):\n" + await ExplainInnerAsync(dataSource, from, endUtc, interval, groupBy));
}

// Issue #12: every Grafana panel's SQL (grafana/dashboards), macros expanded as the dashboard SQL test expands them,
// over the four ranges a responder picks, ending where the loaded data ends (its last minute open).
Console.WriteLine();
Console.WriteLine($"uptime: {Uptime()}");
Console.WriteLine("| dashboard / panel | range | rows | median ms | p95 ms |");
Console.WriteLine("|---|---|---:|---:|---:|");
var variables = new Dictionary<string, string>
{
    ["app"] = "com.example.app1", ["version"] = "3.0.0", ["platform"] = "%", ["hostname"] = "%", ["api"] = "http://localhost:8080",
};
foreach (var (dashboard, title, panelSql) in Panels.Load("grafana/dashboards"))
{
    foreach (var (rangeName, range) in new[] { ("last hour", TimeSpan.FromHours(1)), ("24 h", TimeSpan.FromHours(24)), ("7 days", TimeSpan.FromDays(7)), ("30 days", TimeSpan.FromDays(30)) })
    {
        var expanded = PinReports.TestSupport.GrafanaMacros.Expand(panelSql, endUtc - range, endUtc, variables);
        var rows = await RunSqlAsync(dataSource, expanded);
        var times = await TimeAsync(options.PanelRuns, () => RunSqlAsync(dataSource, expanded));
        Console.WriteLine($"| {dashboard} / {title} | {rangeName} | {rows} | {times.Replace(" / ", " | ", StringComparison.Ordinal)} |");
    }
}
Console.WriteLine($"uptime: {Uptime()}");
Console.WriteLine();
foreach (var plan in plans) Console.WriteLine(plan);

static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static async Task<string> TimeAsync<T>(int runs, Func<Task<T>> run)
{
    var times = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await run();
        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
    times.Sort();
    return FormattableString.Invariant($"{times[times.Count / 2]:0.0} / {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0}");
}

// The HTTP handler and its result, as the endpoint runs them, into a memory body (no Kestrel, no auth).
static async Task<byte[]> ApiAsync(NpgsqlDataSource dataSource, string query)
{
    var http = new DefaultHttpContext();
    http.Request.QueryString = new QueryString(query);
    using var body = new MemoryStream();
    http.Response.Body = body;
    var result = StatsEndpoints.StreamFailures(http, new StatsStore(dataSource, dataSource), TimeProvider.System).Result;
    await result.ExecuteAsync(http);
    await http.Response.BodyWriter.FlushAsync();
    if (http.Response.StatusCode != 200) throw new InvalidOperationException($"{query}: {http.Response.StatusCode}");
    return body.ToArray();
}

static async Task<int> RunSqlAsync(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    await using var reader = await command.ExecuteReaderAsync();
    var rows = 0;
    while (await reader.ReadAsync()) rows++;
    return rows;
}

static async Task<T> Scalar<T>(NpgsqlDataSource dataSource, string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    return (T)(await command.ExecuteScalarAsync())!;
}

static NpgsqlCommand Command(NpgsqlConnection connection, string sql, DateTimeOffset from, DateTimeOffset to, StatsInterval interval, string[] groupBy)
{
    var command = new NpgsqlCommand(sql, connection);
    command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    command.Parameters.Add(new NpgsqlParameter { Value = interval.Step, NpgsqlDbType = NpgsqlDbType.Interval });
    for (var i = 0; i < StatsDimension.All.Count; i++) command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    command.Parameters.Add(new NpgsqlParameter { Value = interval.Grain, NpgsqlDbType = NpgsqlDbType.Text });
    command.Parameters.Add(new NpgsqlParameter { Value = StatsSql.Mask(groupBy), NpgsqlDbType = NpgsqlDbType.Integer });
    return command;
}

static async Task<int> RunAsync(NpgsqlDataSource dataSource, string sql, DateTimeOffset from, DateTimeOffset to, StatsInterval interval, string[] groupBy)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    await using var command = Command(connection, sql, from, to, interval, groupBy);
    await using var reader = await command.ExecuteReaderAsync();
    var rows = 0;
    while (await reader.ReadAsync()) rows++;
    return rows;
}

// The function's dynamic query does not show in the outer plan: explain it with the values the function binds.
static async Task<string> ExplainInnerAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to, StatsInterval interval, string[] groupBy)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    var grain = ServingGrain.Find(interval.Grain);
    var mask = StatsSql.Mask(groupBy);
    // As the function runs it (SET jit = off in its definition).
    await using (var jit = new NpgsqlCommand("SET jit = off", connection)) await jit.ExecuteNonQueryAsync();
    await using var edge = new NpgsqlCommand("SELECT at FROM rollup_watermarks WHERE edge = 'closed'", connection);
    var closed = (DateTime)(await edge.ExecuteScalarAsync())!;
    await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + ServingSchemaSql.ReadQuery(grain, devices: true), connection);
    command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    command.Parameters.Add(new NpgsqlParameter { Value = interval.Step, NpgsqlDbType = NpgsqlDbType.Interval });
    command.Parameters.Add(new NpgsqlParameter { Value = mask, NpgsqlDbType = NpgsqlDbType.Integer });
    for (var i = 0; i < 6; i++) command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    command.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(closed, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
    var stored = System.Numerics.BitOperations.PopCount((uint)mask) <= grain.MaxDimensions;
    command.Parameters.Add(new NpgsqlParameter { Value = stored, NpgsqlDbType = NpgsqlDbType.Boolean });
    // $13, the first bucket not served as it is, as the function finds it.
    await using (var live = new NpgsqlCommand($$"""
        SELECT coalesce(min(g.b), $2) FROM generate_series($1, $2 - $3, $3) AS g (b)
        WHERE NOT $5 OR g.b + $3 > $4
           OR EXISTS (SELECT 1 FROM rollup_dirty_minutes d WHERE d.minute >= g.b AND d.minute < g.b + $3)
           OR NOT EXISTS (SELECT 1 FROM {{grain.Table}} c WHERE c.bucket = g.b AND c.dims = 0)
        """, connection))
    {
        live.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        live.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        live.Parameters.Add(new NpgsqlParameter { Value = interval.Step, NpgsqlDbType = NpgsqlDbType.Interval });
        live.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(closed, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        live.Parameters.Add(new NpgsqlParameter { Value = stored, NpgsqlDbType = NpgsqlDbType.Boolean });
        var first = (DateTime)(await live.ExecuteScalarAsync())!;
        command.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(first, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }
    await using var reader = await command.ExecuteReaderAsync();
    var lines = new List<string>();
    while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
    var key = lines.Where(l => (l.Contains("Scan", StringComparison.Ordinal) && l.Contains("failure_", StringComparison.Ordinal)
            && !l.Contains("never executed", StringComparison.Ordinal) && !l.Contains("rows=0 loops", StringComparison.Ordinal))
        || l.Contains("SubPlan", StringComparison.Ordinal) || l.Contains("Aggregate", StringComparison.Ordinal)
        || l.StartsWith("Planning Time", StringComparison.Ordinal) || l.StartsWith("Execution Time", StringComparison.Ordinal));
    return "```\n" + string.Join("\n", key.Select(l => l.TrimEnd())) + "\n```\n";
}

static async Task<string> ExplainAsync(NpgsqlDataSource dataSource, string sql, DateTimeOffset from, DateTimeOffset to, StatsInterval interval, string[] groupBy)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    await using var command = Command(connection, "EXPLAIN (ANALYZE, BUFFERS) " + sql, from, to, interval, groupBy);
    await using var reader = await command.ExecuteReaderAsync();
    var lines = new List<string>();
    while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
    // Key lines: scans of the rollup tables, aggregates, and the totals.
    var key = lines.Where(l => l.Contains("Scan", StringComparison.Ordinal) && l.Contains("failure_", StringComparison.Ordinal)
        || l.Contains("Function Scan", StringComparison.Ordinal)
        || l.Contains("Aggregate", StringComparison.Ordinal) || l.Contains("Workers Launched", StringComparison.Ordinal)
        || l.StartsWith("Planning Time", StringComparison.Ordinal) || l.StartsWith("Execution Time", StringComparison.Ordinal)
        || l.Contains("Batches:", StringComparison.Ordinal) || l.Contains("Sort Method", StringComparison.Ordinal));
    return "```\n" + string.Join("\n", key.Select(l => l.TrimEnd())) + "\n```\n";
}

internal sealed record Options(string Connection, int Days, long Reports, int DevicesPerDay, int DevicePool, int Runs, int PanelRuns, bool SkipLoad)
{
    public static Options Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Options(
            Get("--connection") ?? Environment.GetEnvironmentVariable("PINREPORTS_BENCH_POSTGRES")
                ?? throw new InvalidOperationException("--connection or PINREPORTS_BENCH_POSTGRES is required (scripts/stats-benchmark.sh sets it)."),
            int.Parse(Get("--days") ?? "30", CultureInfo.InvariantCulture),
            long.Parse(Get("--reports") ?? "50000000", CultureInfo.InvariantCulture),
            int.Parse(Get("--devices-per-day") ?? "100000", CultureInfo.InvariantCulture),
            int.Parse(Get("--device-pool") ?? "1000000", CultureInfo.InvariantCulture),
            int.Parse(Get("--runs") ?? "15", CultureInfo.InvariantCulture),
            int.Parse(Get("--panel-runs") ?? "7", CultureInfo.InvariantCulture),
            args.Contains("--skip-load"));
    }

    public override string ToString() =>
        $"{Reports:N0} reports over {Days} days, {DevicesPerDay:N0} failing devices a day from a pool of {DevicePool:N0}, {Runs} timed runs per query, {PanelRuns} per panel and range";
}
