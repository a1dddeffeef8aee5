using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Pins;
using ReportApi.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ReportApi.Tests.Dashboards;

/// <summary>
/// Every SQL query of every provisioned dashboard (panels, annotations, template variables) runs against the migrated
/// schema with seeded data, macros expanded as Grafana expands them; it must not fail, must return the columns the
/// panel uses, and the core panels must show the seeded failures. Prometheus panels may only use metric names the
/// service really exports.
/// </summary>
public sealed partial class DashboardTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Files = Directory.GetFiles(RepositoryPaths.Of("grafana", "dashboards"), "*.json");

    [Fact]
    public void Dashboards_reference_provisioned_datasources_and_have_unique_panel_ids()
    {
        var provisioned = ProvisionedDatasourceUids();
        Assert.Equal(3, Files.Length);
        foreach (var file in Files)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var panels = document.RootElement.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
            foreach (var panel in panels)
            {
                Assert.Contains(panel.GetProperty("datasource").GetProperty("uid").GetString()!, provisioned);
                Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Contains(t.GetProperty("datasource").GetProperty("uid").GetString()!, provisioned));
            }
        }
    }

    [Fact]
    public async Task Every_panel_query_runs_on_seeded_data_and_returns_the_columns_its_panel_uses()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Pins:SettleDelay"] = "00:00:00" });
        await SeedAsync(app);
        var from = DateTimeOffset.UtcNow.AddDays(-2);
        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var variables = new Dictionary<string, string>
        {
            ["app"] = "com.example.bank", ["version"] = "3.1.0", ["platform"] = "%", ["hostname"] = "%", ["api"] = "http://localhost:8080",
        };

        await RunEveryQueryAsync(app, from, to, variables);

    }

    /// <summary>
    /// Issue #6's demo data: the traffic simulator's rotation scenario (its engine and client, linked into the tests),
    /// evaluated by the real alert evaluator, then every dashboard query on what it produced.
    /// </summary>
    [Fact]
    public async Task Every_panel_query_shows_the_simulators_rotation()
    {
        var directory = Directory.CreateTempSubdirectory("pinreports-sim-").FullName;
        try
        {
            var t = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(12);
            var clock = new ManualClock(t.AddSeconds(-40));
            var pki = PinReports.Simulator.SimulatorPki.LoadOrCreate(directory);
            await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
            {
                ["Diagnosis:TrustedRootsFile"] = pki.RootsFile,
                ["Alerting:Evaluator:Enabled"] = "false",
                // The simulator's devices report from many networks (X-Forwarded-For): independent evidence for the page.
                ["Network:TrustedProxies:0"] = "127.0.0.1",
                ["Network:TrustedProxies:1"] = "::1",
                ["Pins:SettleDelay"] = "00:00:00",
            }, s => s.AddSingleton<TimeProvider>(clock));
            var fleet = new PinReports.Simulator.Fleet(pki, devices: 200, seed: 5);
            var client = new PinReports.Simulator.ServiceClient(app.Client, TestApp.AdminKey, TestApp.ReaderKey);
            await client.PostActivityAsync(fleet, DateOnly.FromDateTime(t.UtcDateTime), Ct);
            foreach (var kind in new[] { PinReports.Simulator.ScenarioKind.Rotation, PinReports.Simulator.ScenarioKind.Interception })
            {
                var engine = new PinReports.Simulator.ScenarioEngine(fleet, pki, new PinReports.Simulator.ScenarioOptions
                {
                    Kind = kind, At = TimeSpan.Zero, SessionInterval = TimeSpan.FromSeconds(1), Seed = 5,
                }, clock.Now);
                foreach (var report in engine.Step(clock.Now)) Assert.Equal(HttpStatusCode.NoContent, await client.SendReportAsync(report, Ct));
            }
            var evaluator = app.Services.GetRequiredService<ReportApi.Alerting.AlertEvaluator>();
            foreach (var minute in new[] { t, t.AddMinutes(1) })
            {
                clock.Now = minute.AddSeconds(15);
                await evaluator.EvaluateAsync(minute, Ct);
            }
            await app.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, Ct);
            Assert.True(await app.CountAsync("SELECT count(*) FROM alerts WHERE status = 'firing'") > 0, "the rotation must have fired");

            await RunEveryQueryAsync(app, t.AddHours(-6), t.AddHours(1), new Dictionary<string, string>
            {
                ["app"] = "com.example.bank", ["version"] = "3.2.1", ["platform"] = "%", ["hostname"] = "%", ["api"] = "http://localhost:8080",
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task RunEveryQueryAsync(TestApp app, DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<string, string> variables)
    {
        var checkedQueries = 0;
        foreach (var file in Files)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var (title, sql, format, expects) in PostgresQueries(document.RootElement))
            {
                var expanded = GrafanaMacros.Expand(sql, from, to, variables);
                var (columns, rows) = await RunAsync(app, expanded, $"{Path.GetFileName(file)} / {title}");
                if (format == "time_series") Assert.True(columns.Contains("time"), $"{title}: a time series needs a 'time' column");
                foreach (var column in expects) Assert.True(columns.Contains(column), $"{title}: the panel uses column '{column}', the query returns {string.Join(", ", columns)}");
                Assert.True(rows > 0, $"{title}: no rows on seeded data (a wrong join or filter?)");
                checkedQueries++;
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"dashboard queries executed: {checkedQueries}");
        Assert.True(checkedQueries >= 15);
    }

    /// <summary>Issue #12: panels read the serving path (closed buckets counted once) with a bucket chosen from the range.</summary>
    [Fact]
    public async Task Rollup_panels_read_failure_stats_with_a_grain_chosen_from_the_range()
    {
        foreach (var file in Files)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var (title, sql, _, _) in PostgresQueries(document.RootElement))
            {
                Assert.False(Regex.IsMatch(sql, @"failure_(devices|rollups)_|timeGroup"), $"{title}: reads rollup rows directly or buckets by a fixed interval");
            }
        }
        await using var app = await TestApp.StartAsync(postgres);
        var now = DateTimeOffset.UtcNow;
        foreach (var (range, grain) in new[] { (TimeSpan.FromHours(1), "minute"), (TimeSpan.FromHours(6), "five_minute"), (TimeSpan.FromDays(7), "hour"), (TimeSpan.FromDays(30), "day") })
        {
            await using var command = app.Db.CreateCommand($"SELECT failure_grain('{now - range:O}', '{now:O}')");
            Assert.Equal(grain, await command.ExecuteScalarAsync(Ct));
        }
    }

    [Fact]
    public async Task Prometheus_panels_use_metrics_the_service_exports()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Pins:SettleDelay"] = "00:00:00" });
        await SeedAsync(app);
        await app.Client.PostReportAsync("not json", Ct);
        var exported = await ExportedMetricsAsync(app);

        foreach (var file in Files)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var target in document.RootElement.GetProperty("panels").EnumerateArray().SelectMany(p => p.GetProperty("targets").EnumerateArray())
                .Where(t => t.TryGetProperty("expr", out _)))
            {
                foreach (Match metric in MetricName().Matches(target.GetProperty("expr").GetString()!))
                {
                    Assert.True(exported.Contains(metric.Value), $"{Path.GetFileName(file)} uses {metric.Value}, which /metrics does not export");
                }
            }
        }
    }

    /// <summary>Realistic failures: two versions, two hostnames, a rotation chain and an interception chain, activity and pins.</summary>
    private static async Task SeedAsync(TestApp app)
    {
        var api = LivePki.Create("api.example.com", "dash");
        var login = LivePki.Create("login.example.com", "dash");
        string[] pins = ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"", "pin-sha256=\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\""];
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.example.com", api.Chain, pins, vendorId: $"ios-{i}", appVersion: "3.1.0", bundleId: "com.example.bank"), Ct)).StatusCode);
            await app.Client.PostReportAsync(ReportJson.Android("login.example.com", [.. login.Chain], pins, vendorId: $"android-{i}", appVersion: "3.0.2", bundleId: "com.example.bank"), Ct);
        }
        // One configuration whose pins expire in ten days: the expiry panels and the gauge must show it.
        var expiring = ReportJson.Ios("api.example.com", api.Chain, pins, vendorId: "ios-expiring", appVersion: "3.1.0", bundleId: "com.example.bank");
        expiring["known-pins-expiration-date"] = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd");
        await app.Client.PostReportAsync(expiring, Ct);
        var activity = new[] { new { app = "com.example.bank", version = "3.1.0", platform = "IOS", day = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd"), activeDevices = 1200 } };
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsJsonAsync("/v1/activity", activity, Ct)).StatusCode);
        await app.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, Ct);
        await app.Services.GetRequiredService<ExpiringPinsGauge>().UpdateAsync(Ct);
        await using var alert = app.Db.CreateCommand("""
            INSERT INTO alerts (series_key, level, app, version, noted_hostname, status, opened_at, fired_at, last_evaluated_at,
                                window_devices, peak_devices, baseline_median, state, headline, summary, action)
            VALUES ('version:com.example.bank/3.1.0', 'version', 'com.example.bank', '3.1.0', '', 'firing', now() - interval '3 minutes',
                    now() - interval '2 minutes', now(), 6, 6, 0, '{}', 'server-rotation on api.example.com: 6 devices', 'summary', 'ship the backup pin')
            """);
        await alert.ExecuteNonQueryAsync(Ct);
    }

    private static IEnumerable<(string Title, string Sql, string Format, IReadOnlyList<string> Expects)> PostgresQueries(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            var expects = new List<string>();
            foreach (var o in panel.GetProperty("fieldConfig").GetProperty("overrides").EnumerateArray())
            {
                if (o.GetProperty("matcher").GetProperty("id").GetString() == "byName") expects.Add(o.GetProperty("matcher").GetProperty("options").GetString()!);
            }
            if (panel.TryGetProperty("options", out var options) && options.TryGetProperty("reduceOptions", out var reduce)
                && reduce.TryGetProperty("fields", out var fields) && fields.GetString() is { Length: > 2 } f && f.StartsWith("/^", StringComparison.Ordinal))
            {
                expects.Add(f[2..^2]);
            }
            foreach (var target in panel.GetProperty("targets").EnumerateArray().Where(t => t.TryGetProperty("rawSql", out _)))
            {
                yield return (panel.GetProperty("title").GetString()!, target.GetProperty("rawSql").GetString()!, target.GetProperty("format").GetString()!, expects);
            }
        }
        foreach (var annotation in dashboard.GetProperty("annotations").GetProperty("list").EnumerateArray())
        {
            yield return ("annotation " + annotation.GetProperty("name").GetString(), annotation.GetProperty("target").GetProperty("rawSql").GetString()!, "table", ["time", "text"]);
        }
        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"
            && v.GetProperty("datasource").GetProperty("uid").GetString() == "pinreports-postgres"))
        {
            yield return ("variable $" + variable.GetProperty("name").GetString(), variable.GetProperty("query").GetString()!, "table", []);
        }
    }

    private static async Task<(HashSet<string> Columns, int Rows)> RunAsync(TestApp app, string sql, string what)
    {
        // As the read-only role Grafana uses, so a query that needs more than SELECT fails here too.
        await using var connection = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using (var role = new NpgsqlCommand("SET LOCAL ROLE pinreports_grafana", connection, transaction)) await role.ExecuteNonQueryAsync(Ct);
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToHashSet(StringComparer.Ordinal);
            var rows = 0;
            while (await reader.ReadAsync(Ct)) rows++;
            return (columns, rows);
        }
        catch (PostgresException e)
        {
            Assert.Fail($"{what}: {e.MessageText}\n{sql}");
            throw;
        }
    }

    private static async Task<HashSet<string>> ExportedMetricsAsync(TestApp app)
    {
        var text = await app.Client.GetStringAsync("/metrics", Ct);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && l[0] != '#'))
        {
            var name = line[..line.IndexOfAny(['{', ' '])];
            names.Add(name);
        }
        return names;
    }

    private static HashSet<string> ProvisionedDatasourceUids()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(RepositoryPaths.Of("grafana", "provisioning", "datasources", "pinreports.yml"));
        stream.Load(reader);
        var datasources = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["datasources"];
        return [.. datasources.Children.Select(d => ((YamlMappingNode)d)["uid"].ToString())];
    }

    [GeneratedRegex(@"\b(pinreports_[a-z_]+|http_server_[a-z_]+)\b")]
    private static partial Regex MetricName();
}
