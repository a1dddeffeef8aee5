using System.Diagnostics;
using System.Globalization;
using System.Net;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Console;

/// <summary>
/// Opt-in page timings (<c>PINREPORTS_CONSOLE_TIMINGS=&lt;reports&gt;</c>): the alert scenario plus that many reports
/// spread over the previous week (20 versions of the app), then each console page timed end to end over HTTP. Figures
/// go to docs/benchmarks.md with the load average printed beside them.
/// </summary>
public sealed class ConsoleTimingTests(PostgresFixture postgres)
{
    private const int Runs = 30;

    [Fact]
    public async Task Console_pages_answer_within_100_ms_with_a_large_reports_table()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("PINREPORTS_CONSOLE_TIMINGS"), CultureInfo.InvariantCulture, out var reports))
        {
            Assert.Skip("Set PINREPORTS_CONSOLE_TIMINGS=<number of reports> to time the console pages (docs/benchmarks.md).");
        }
        var output = TestContext.Current.TestOutputHelper!;
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        var id = await ConsoleScenario.AlertIdAsync(scenario, AlertScenario.VersionHostKey);

        var load = Stopwatch.StartNew();
        await CloneReportsAsync(scenario.Service, reports);
        output.WriteLine($"loaded {await scenario.Service.CountAsync("SELECT count(*) FROM reports"):N0} reports in {load.Elapsed.TotalSeconds:0} s");

        using var session = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.AdminKey);
        var reportId = await ScalarAsync(scenario.Service, "SELECT id::text FROM reports WHERE app_version = '3.1.0' ORDER BY received_at DESC LIMIT 1");
        var version = $"/console/reports?app={AlertScenario.App}&version={AlertScenario.Version}";
        var firstPage = await session.GetHtmlAsync("/console/reports");
        var cursor = System.Text.RegularExpressions.Regex.Match(firstPage, "cursor=([A-Za-z0-9_-]{32})").Groups[1].Value;
        var pages = new (string Name, string Path)[]
        {
            ("alerts (firing and recent)", "/console/alerts"),
            ("alert (timeline, mix, chain)", $"/console/alerts/{id}"),
            ("reports, last 24 h", "/console/reports"),
            ("reports, page 2 (cursor)", $"/console/reports?cursor={cursor}"),
            ("version (rate, pins, reports)", version),
            ("host (rate, pins, reports)", $"/console/reports?hostname={AlertScenario.Host}"),
            ("report", $"/console/reports/{reportId}"),
            ("pre-flight form", "/console/preflight"),
        };

        output.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        output.WriteLine("| page | median ms | p95 ms | max ms |");
        output.WriteLine("|---|---:|---:|---:|");
        var medians = new List<(string, double)>();
        foreach (var (name, path) in pages)
        {
            var times = new List<double>();
            for (var i = 0; i < Runs + 3; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var response = await session.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
                if (i >= 3) times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            times.Sort();
            var median = times[times.Count / 2];
            medians.Add((name, median));
            output.WriteLine(FormattableString.Invariant($"| {name} | {median:0.0} | {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0} | {times[^1]:0.0} |"));
        }
        output.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        if (Environment.GetEnvironmentVariable("PINREPORTS_CONSOLE_TIMINGS_EXPLAIN") == "1")
        {
            // The plans behind the slowest reads: the alert's sample reports and the unfiltered last 24 hours.
            foreach (var query in new[]
            {
                new ReportApi.Query.ReportListQuery(AlertScenario.App, AlertScenario.Version, null, AlertScenario.Host, null, null,
                    AlertScenario.T.AddMinutes(-9).ToString("O"), AlertScenario.T.AddMinutes(3).ToString("O"), "20", null),
                new ReportApi.Query.ReportListQuery(null, null, null, null, null, null, null, AlertScenario.T.AddMinutes(3).ToString("O"), "50", null),
            })
            {
                var (filter, _) = ReportApi.Query.ReportFilter.Validate(query, AlertScenario.T.AddMinutes(3));
                await using var command = ReportApi.Query.ReportQueries.ListCommand(scenario.Service.Db, filter!, filter!.Limit + 1);
                command.CommandText = "EXPLAIN (ANALYZE, BUFFERS) " + command.CommandText;
                await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
                while (await reader.ReadAsync(TestContext.Current.CancellationToken)) output.WriteLine(reader.GetString(0));
            }
        }
        Assert.All(medians, m => Assert.True(m.Item2 < 100, $"{m.Item1}: median {m.Item2:0} ms"));
    }

    /// <summary>
    /// Copies of the spike's reports with new ids (UUIDv7 of their new receive time), devices and versions, spread over
    /// the week before the spike: the table size of a busy service, written in one statement.
    /// </summary>
    private static async Task CloneReportsAsync(TestApp app, int count)
    {
        var columns = new List<string>();
        await using (var command = app.Db.CreateCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports' AND table_schema = 'public' ORDER BY ordinal_position"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) columns.Add(reader.GetString(0));
        }
        var select = columns.Select(c => c switch
        {
            "id" => "(lpad(to_hex((extract(epoch FROM x.t) * 1000)::bigint), 12, '0') || '7' || substr(md5(r.id::text || x.g), 1, 3) || '8' || substr(md5(r.id::text || x.g), 4, 15))::uuid",
            "received_at" => "x.t",
            "device_hash" => "sha256(('clone-' || (x.g % 200000))::bytea)",
            "app_version" => "'3.' || (x.g % 20) || '.0'",
            _ => "r." + c,
        });
        var perSource = Math.Max(1, count / AlertScenario.SpikeDevices);
        var sql = $"""
            INSERT INTO reports ({string.Join(", ", columns)})
            SELECT {string.Join(", ", select)}
            FROM (SELECT * FROM reports LIMIT {AlertScenario.SpikeDevices}) r
            CROSS JOIN LATERAL (
                SELECT g, $1::timestamptz - interval '7 days' + (g::double precision / {perSource}) * interval '6 days 23 hours' AS t
                FROM generate_series(1, {perSource}) g
            ) x
            """;
        await using (var insert = app.Db.CreateCommand(sql))
        {
            insert.CommandTimeout = 1800;
            insert.Parameters.Add(new Npgsql.NpgsqlParameter { Value = AlertScenario.T, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        await using var analyze = app.Db.CreateCommand("ANALYZE reports");
        await analyze.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<string> ScalarAsync(TestApp app, string sql)
    {
        await using var command = app.Db.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
