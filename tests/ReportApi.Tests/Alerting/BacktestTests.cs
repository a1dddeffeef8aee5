using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Alerting;
using ReportApi.Alerting.Backtesting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// Issue #19: the backtest runs the live detector over stored history. A week of steady traffic with a CA rotation and
/// a forged burst is written with the trace writer; the backtest must name exactly the alerts the live evaluator then
/// raises on the same rows, write nothing while doing it, and move alerts as threshold changes say.
/// </summary>
public sealed class BacktestTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Yesterday 12:00 UTC: in the past whenever the test runs, so a backtest may cover it.</summary>
    private static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(-12);

    private const string App = "com.example.bank";
    private const string Host = "api.bank.example";
    private static readonly string Rotated = $"version-host:{App}/3.1.0/{Host}";
    private static readonly string Forged = $"version:{App}/3.0.0";

    /// <summary>
    /// Eight days of one failing device a minute (seven in turn, one network) for versions 3.1.0 and 3.0.0 around T;
    /// then a rotation: 40 devices of 3.1.0 from 25 networks in T−1..T+2; and 40 minted devices of 3.0.0 from one
    /// network in T+30..T+33 (suspicious, issue #22).
    /// </summary>
    internal static List<TraceRow> Week()
    {
        var rows = new List<TraceRow>();
        for (var day = 0; day <= 7; day++)
        {
            for (var m = -60; m < 90; m++)
            {
                var minute = T.AddDays(-day).AddMinutes(m);
                var turn = (minute.ToUnixTimeSeconds() / 60) % 7;
                rows.Add(new TraceRow(minute, App, "3.1.0", Host, "unknown", 1, 2, 1, turn));
                rows.Add(new TraceRow(minute, App, "3.0.0", Host, "unknown", 1, 1, 1, turn));
            }
        }
        for (var m = -1; m <= 2; m++) rows.Add(new TraceRow(T.AddMinutes(m), App, "3.1.0", Host, "server-rotation", 40, 80, 25, 100));
        for (var m = 30; m <= 33; m++) rows.Add(new TraceRow(T.AddMinutes(m), App, "3.0.0", Host, "client-config-error", 40, 40, 1, 500));
        return rows;
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Alerting:Evaluator:Enabled"] = "false",
        ["Alerting:QuietPeriod"] = "00:05:00",
    };

    private static async Task<TestApp> StartWithWeekAsync(PostgresFixture postgres, Dictionary<string, string?>? settings = null)
    {
        var app = await TestApp.StartAsync(postgres, settings ?? Settings());
        await app.Services.GetRequiredService<TraceWriter>().WriteAsync(Week(), Ct);
        return app;
    }

    private static Task<HttpResponseMessage> BacktestAsync(HttpClient client, object body) =>
        client.PostAsJsonAsync("/v1/alerts/backtest", body, Ct);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");

    [Fact]
    public async Task A_stored_week_backtests_to_exactly_the_alerts_the_live_evaluator_raises_and_the_backtest_writes_nothing()
    {
        await using var app = await StartWithWeekAsync(postgres);
        var from = T.AddMinutes(-10);
        var to = T.AddMinutes(61);

        var response = await BacktestAsync(app.Admin, new { from = Iso(from), to = Iso(to) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM alerts"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM alert_evaluations"));

        var run = body.GetProperty("run");
        Assert.Equal(71, run.GetProperty("minutesEvaluated").GetInt32());
        Assert.Equal("memory", run.GetProperty("engine").GetString());
        // The SQL engine (the evaluator's own statements, per hour of minutes) raises the very same alerts.
        var sqlRun = (await (await BacktestAsync(app.Admin, new { from = Iso(from), to = Iso(to), engine = "sql" })).Content.ReadFromJsonAsync<JsonElement>(Ct))
            .GetProperty("run");
        Assert.Equal("sql", sqlRun.GetProperty("engine").GetString());
        Assert.Equal(run.GetProperty("alerts").GetRawText(), sqlRun.GetProperty("alerts").GetRawText());
        var backtest = run.GetProperty("alerts").EnumerateArray()
            .Select(a => (Series: a.GetProperty("seriesKey").GetString()!, Status: a.GetProperty("status").GetString()!,
                Opened: a.GetProperty("openedAt").GetDateTimeOffset(), Fired: Time(a.GetProperty("firedAt")),
                Resolved: Time(a.GetProperty("resolvedAt")), Peak: a.GetProperty("peakDevices").GetInt32()))
            .OrderBy(a => a.Series, StringComparer.Ordinal).ThenBy(a => a.Opened).ToList();

        // The live evaluator over the same minutes and rows.
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();
        for (var minute = from; minute < to; minute = minute.AddMinutes(1)) await evaluator.EvaluateAsync(minute, Ct);
        var live = new List<(string Series, string Status, DateTimeOffset Opened, DateTimeOffset? Fired, DateTimeOffset? Resolved, int Peak)>();
        await using (var command = app.Db.CreateCommand("""
            SELECT series_key, status, opened_at, fired_at, resolved_at, peak_devices FROM alerts
            WHERE fired_at IS NOT NULL OR status <> 'resolved' OR state->>'suspectedAt' IS NOT NULL
            """))
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                live.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5)));
            }
        }
        live = [.. live.OrderBy(a => a.Series, StringComparer.Ordinal).ThenBy(a => a.Opened)];

        Assert.NotEmpty(live);
        Assert.Equal(live, backtest);
        // What the live evaluator raised is what the scenario says: the rotation pages on its second evaluation and
        // resolves; the one-network burst is suspicious and pages nobody.
        var rotation = backtest.Single(a => a.Series == Rotated);
        Assert.Equal((T, T.AddMinutes(1), "resolved"), (rotation.Opened, rotation.Fired, rotation.Status));
        // The last failing minute T+2 leaves the window at T+8, the first clear one; 5 quiet minutes later it resolves.
        Assert.Equal(T.AddMinutes(13), rotation.Resolved);
        Assert.Equal(45, rotation.Peak);
        var forged = backtest.Single(a => a.Series == Forged);
        Assert.Null(forged.Fired);
        var forgedJson = run.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == Forged);
        Assert.False(forgedJson.GetProperty("paged").GetBoolean());
        Assert.NotNull(Time(forgedJson.GetProperty("suspectedAt")));
        Assert.Equal(1, forgedJson.GetProperty("peakNetworks").GetInt32());
        var rotationJson = run.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == Rotated);
        Assert.Equal(40, rotationJson.GetProperty("diagnosisMix").GetProperty("server-rotation").GetInt32());
        Assert.Equal(25, rotationJson.GetProperty("peakNetworks").GetInt32());
        Assert.StartsWith("Resolved: server-rotation", rotationJson.GetProperty("headline").GetString(), StringComparison.Ordinal);
    }

    private static DateTimeOffset? Time(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDateTimeOffset();

    [Fact]
    public async Task Threshold_changes_move_the_alert_and_the_command_prints_the_same()
    {
        await using var app = await StartWithWeekAsync(postgres);
        var window = new { from = Iso(T.AddMinutes(-10)), to = Iso(T.AddMinutes(20)) };

        // Three confirming evaluations instead of two: the rotation pages one minute later.
        var later = await (await BacktestAsync(app.Admin, new { window.from, window.to, compare = new Dictionary<string, string> { ["Alerting:PendingEvaluations"] = "3" } }))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        var moved = later.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("seriesKey").GetString() == Rotated);
        Assert.Equal("moved", moved.GetProperty("change").GetString());
        Assert.Equal(T.AddMinutes(1), moved.GetProperty("before").GetProperty("firedAt").GetDateTimeOffset());
        Assert.Equal(T.AddMinutes(2), moved.GetProperty("after").GetProperty("firedAt").GetDateTimeOffset());
        Assert.Contains("fires 1 min later", moved.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("3", later.GetProperty("compared").GetProperty("settings").GetProperty("Alerting:PendingEvaluations").GetString());

        // A device floor above the incident: the alert disappears. 'set' applies to both runs, 'compare' on top.
        var gone = await (await BacktestAsync(app.Admin, new
        {
            window.from, window.to,
            set = new Dictionary<string, string> { ["Alerting:PendingEvaluations"] = "1" },
            compare = new Dictionary<string, string> { ["Alerting:MinDevices"] = "100" },
        })).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var rotation = gone.GetProperty("run").GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == Rotated);
        Assert.Equal(T, rotation.GetProperty("firedAt").GetDateTimeOffset()); // one evaluation fires at once
        Assert.Empty(gone.GetProperty("compared").GetProperty("alerts").EnumerateArray());
        Assert.Contains(gone.GetProperty("changes").EnumerateArray(),
            c => c.GetProperty("seriesKey").GetString() == Rotated && c.GetProperty("change").GetString() == "disappeared");

        // 25 networks are too few at a floor of 30 (35 needed over a median of 5): the rotation turns suspicious and no longer pages.
        var quiet = await (await BacktestAsync(app.Admin, new { window.from, window.to, set = new Dictionary<string, string> { ["Alerting:MinNetworksToPage"] = "30" } }))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.All(quiet.GetProperty("run").GetProperty("alerts").EnumerateArray(), a => Assert.False(a.GetProperty("paged").GetBoolean()));
        Assert.Contains(quiet.GetProperty("run").GetProperty("alerts").EnumerateArray(), a => a.GetProperty("seriesKey").GetString() == Rotated);

        // The command: same runner, same answer, printed.
        var output = new StringWriter();
        var exit = await BacktestCommand.RunAsync(app.Services,
            ["backtest", "--from", window.from, "--to", window.to, "--compare", "Alerting:PendingEvaluations=3"], output);
        Assert.Equal(0, exit);
        var text = output.ToString();
        Assert.Contains($"moved        {Rotated}: fires 1 min later", text, StringComparison.Ordinal);
        Assert.Contains("30 minutes", text, StringComparison.Ordinal);

        var bad = new StringWriter();
        Assert.Equal(2, await BacktestCommand.RunAsync(app.Services, ["backtest", "--from", window.from, "--to", window.to, "--set", "Alerting:Nope=1"], bad));
        Assert.Contains("set.Alerting:Nope", bad.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM alerts"));
    }

    [Fact]
    public async Task Bad_windows_and_settings_get_400_naming_the_parameter_and_only_admins_may_backtest()
    {
        await using var app = await TestApp.StartAsync(postgres, Settings());
        var from = Iso(T);
        var to = Iso(T.AddHours(1));
        var cases = new (object Body, string Parameter)[]
        {
            (new { to }, "from"),
            (new { from = "yesterday noon", to }, "from"),
            (new { from, to = "2026-13-45T99:00:00Z" }, "to"),
            (new { from = to, to = from }, "from"),
            (new { from, to = from }, "from"),
            (new { from = Iso(T.AddDays(-9)), to }, "to"),
            (new { from, to = Iso(DateTimeOffset.UtcNow.AddHours(2)) }, "to"),
            (new { from, to, set = new Dictionary<string, string> { ["Alerting:MinDevicez"] = "3" } }, "set.Alerting:MinDevicez"),
            (new { from, to, set = new Dictionary<string, string> { ["Alerting:Evaluator:Enabled"] = "true" } }, "set.Alerting:Evaluator:Enabled"),
            (new { from, to, set = new Dictionary<string, string> { ["Alerting:MinDevices"] = "lots" } }, "set.Alerting:MinDevices"),
            (new { from, to, set = new Dictionary<string, string> { ["Alerting:MinDevices"] = "0" } }, "set.Alerting:MinDevices"),
            (new { from, to, set = new Dictionary<string, string> { ["Alerting:RatioFloor"] = "" } }, "set.Alerting:RatioFloor"),
            (new { from, to, compare = new Dictionary<string, string> { ["Alerting:Window"] = "00:00:30" } }, "compare.Alerting:Window"),
            (new { from, to, compare = new Dictionary<string, string> { ["Alerting:Bogus"] = "1" } }, "compare.Alerting:Bogus"),
            (new { from, to, engine = "fast" }, "engine"),
            (new { from, to, engine = "SQL;" }, "engine"),
        };
        foreach (var (body, parameter) in cases)
        {
            var response = await BacktestAsync(app.Admin, body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
            Assert.StartsWith(parameter + ":", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var good = new { from, to };
        Assert.Equal(HttpStatusCode.Forbidden, (await BacktestAsync(app.Reader, good)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await BacktestAsync(app.CreateClient(TestApp.ResponderKey), good)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BacktestAsync(app.Client, good)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await BacktestAsync(app.Admin, good)).StatusCode);
    }

    [Fact]
    public void Trace_lines_parse_and_bad_lines_are_named()
    {
        var (rows, problem) = TraceRow.Parse([TraceRow.Header, "# comment", "2026-11-24T09:00:00Z,com.a,1.0,API.example.com,server-rotation,3,5,2,10"]);
        Assert.Null(problem);
        Assert.NotNull(rows);
        Assert.Equal(new TraceRow(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), "com.a", "1.0", "api.example.com", "server-rotation", 3, 5, 2, 10), rows.Single());
        Assert.Equal(rows.Single(), TraceRow.Parse([rows.Single().ToCsv()]).Rows!.Single());
        foreach (var (line, says) in new[]
        {
            ("2026-11-24T09:00:30Z,com.a,1.0,h,unknown,1,1,1", "whole minute"),
            ("2026-11-24T09:00:00Z,com.a,1.0,h,nonsense,1,1,1", "unknown diagnosis"),
            ("2026-11-24T09:00:00Z,com.a,1.0,h,unknown,5,1,1", "devices <= reports"),
            ("2026-11-24T09:00:00Z,com.a,1.0,h,unknown,-1,1,1", "whole numbers"),
            ("2026-11-24T09:00:00Z,com.a,,h,unknown,1,1,1", "required"),
            ("2026-11-24T09:00:00Z,com.a", "expected"),
        })
        {
            var (_, p) = TraceRow.Parse(["", line]);
            Assert.NotNull(p);
            Assert.StartsWith("line 2:", p, StringComparison.Ordinal);
            Assert.Contains(says, p, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_trace_command_writes_a_trace_into_past_partitions_and_refuses_a_bad_file_without_writing()
    {
        await using var app = await TestApp.StartAsync(postgres, Settings());
        var old = T.AddDays(-20); // a day whose partitions the service never made
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, [TraceRow.Header,
                new TraceRow(old, App, "2.0.0", Host, "server-rotation", 30, 45, 6, 7).ToCsv(),
                new TraceRow(old.AddMinutes(1), App, "2.0.0", Host, "server-rotation", 30, 45, 6, 7).ToCsv()], Ct);
            var output = new StringWriter();
            Assert.Equal(0, await TraceCommand.RunAsync(app.Services, ["trace", "--file", file], output));
            Assert.Contains("wrote 2 series-minutes", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(60, await app.CountAsync("SELECT count(*) FROM failure_devices_minute"));
            Assert.Equal(30, await app.CountAsync("SELECT count(DISTINCT device_id) FROM failure_devices_minute"));
            Assert.Equal(6, await app.CountAsync("SELECT count(DISTINCT network_id) FROM failure_networks_minute"));
            Assert.Equal(90, await app.CountAsync("SELECT sum(reports) FROM failure_rollups_minute"));
            Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname = 'failure_devices_minute_p{old:yyyyMMdd}'"));

            await File.WriteAllLinesAsync(file, [new TraceRow(old.AddMinutes(2), App, "2.0.0", Host, "unknown", 1, 1, 1).ToCsv(), "2026-11-24T09:00:00Z,x,1,h,unknown,5,1,1"], Ct);
            var bad = new StringWriter();
            Assert.Equal(2, await TraceCommand.RunAsync(app.Services, ["trace", "--file", file], bad));
            Assert.Contains("line 2:", bad.ToString(), StringComparison.Ordinal);
            Assert.Equal(60, await app.CountAsync("SELECT count(*) FROM failure_devices_minute"));
            Assert.Equal(2, await TraceCommand.RunAsync(app.Services, ["trace", "--file", file + ".missing"], bad));
            Assert.Equal(2, await TraceCommand.RunAsync(app.Services, ["trace"], bad));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
