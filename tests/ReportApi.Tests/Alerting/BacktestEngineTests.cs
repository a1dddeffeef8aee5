using System.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Alerting;
using ReportApi.Alerting.Backtesting;
using ReportApi.Domain.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// Issue #19: the backtest's two engines — exact sliding unions in memory (the default) and the evaluator's
/// <c>count(DISTINCT)</c> SQL — must see the same numbers on the same database. Random traffic (several seeds) written in
/// several transactions out of minute order (late-committed minutes, rows added to minutes already stored), with device
/// ids repeating across minutes and windows, minutes without rows, a series that appears mid-window, the '(other)'
/// overflow; every minute's window, network and baseline counts (and the active devices read once a day) are compared,
/// then whole backtests.
/// </summary>
public sealed class BacktestEngineTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(-12);
    private const string App = "com.example.shop";

    /// <summary>Short windows and two baseline days keep the traffic small while every window shape is exercised.</summary>
    private static readonly DetectorOptions Options = new() { Window = TimeSpan.FromMinutes(3), BaselineDays = 2, BaselineNeighbourWindows = 1 };

    private static List<TraceRow> RandomTraffic(int seed)
    {
        var rng = new Random(seed);
        var rows = new List<TraceRow>();
        for (var day = 0; day <= Options.BaselineDays; day++)
        {
            for (var m = -25; m < 45; m++)
            {
                var minute = T.AddDays(-day).AddMinutes(m);
                foreach (var version in new[] { "1.0", "2.0", "3.0" })
                foreach (var host in new[] { "api.shop.example", "cdn.shop.example" })
                foreach (var diagnosis in new[] { "unknown", "server-rotation" })
                {
                    if (version == "3.0" && (day > 0 || m < 10)) continue; // a series that appears mid-window
                    if (rng.Next(3) == 0) continue;                        // a minute without its rows
                    var devices = rng.Next(1, 7);
                    rows.Add(new TraceRow(minute, App, version, host, diagnosis, devices, devices, rng.Next(1, Math.Min(devices, 4) + 1), rng.Next(0, 16)));
                }
            }
        }
        // A spike, so whole backtests have alerts to compare.
        for (var m = 5; m < 9; m++) rows.Add(new TraceRow(T.AddMinutes(m), App, "2.0", "api.shop.example", "server-rotation", 40, 40, 20, 100 + rng.Next(10)));
        return rows;
    }

    private static async Task<TestApp> StartWithTrafficAsync(PostgresFixture postgres, int seed)
    {
        var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Alerting:Evaluator:Enabled"] = "false" });
        var rng = new Random(seed);
        var rows = RandomTraffic(seed).OrderBy(_ => rng.Next()).ToList();
        var writer = app.Services.GetRequiredService<TraceWriter>();
        // Four commits in random minute order: later minutes stored before earlier ones, minutes that gain rows later.
        foreach (var part in rows.Chunk((rows.Count + 3) / 4)) await writer.WriteAsync(part, Ct);

        // The '(other)' overflow of the series caps: counted for its host, no series of its own.
        await using var overflow = app.Db.CreateCommand("""
            WITH s AS (
                INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
                VALUES ($2, '(other)', 'IOS', 'api.shop.example', 'api.shop.example', 'unknown', 1, $1) RETURNING id)
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT $1 + (g / 3) * interval '1 minute', s.id, g % 7 FROM s, generate_series(0, 90) AS g
            """);
        overflow.Parameters.Add(new NpgsqlParameter { Value = T.AddMinutes(-20).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        overflow.Parameters.Add(new NpgsqlParameter { Value = App });
        await overflow.ExecuteNonQueryAsync(Ct);

        // Activity: 1.0 on the day, 2.0 only the day before (the fallback), 3.0 none; another app's version is no candidate.
        await using var activity = app.Db.CreateCommand("""
            INSERT INTO app_activity (app, version, platform, day, active_devices, updated_at) VALUES
            ($1, '1.0', 'IOS', $2, 4000, now()), ($1, '1.0', 'ANDROID', $2, 1000, now()), ($1, '2.0', 'IOS', $2 - 1, 700, now()),
            ('com.other', '1.0', 'IOS', $2, 9, now())
            """);
        activity.Parameters.Add(new NpgsqlParameter { Value = App });
        activity.Parameters.Add(new NpgsqlParameter { Value = DateOnly.FromDateTime(T.UtcDateTime), NpgsqlDbType = NpgsqlDbType.Date });
        await activity.ExecuteNonQueryAsync(Ct);
        return app;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Memory_and_sql_count_the_same_windows_networks_and_baselines_every_minute(int seed)
    {
        await using var app = await StartWithTrafficAsync(postgres, seed);
        var (from, to) = (T.AddMinutes(-12), T.AddMinutes(42));
        await using var connection = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, Ct);
        var sql = new BacktestObservations(connection, transaction, Options, to);
        var memory = new MemoryObservations(connection, transaction, Options, from, to);
        var absent = SeriesKey.ForVersion(App, "9.9"); // never failed: no baseline at all, in both
        var nonZero = 0;
        for (var minute = from; minute < to; minute = minute.AddMinutes(1))
        {
            var window = await sql.WindowAsync(minute, Ct);
            Assert.Equal(Sorted(window), Sorted(await memory.WindowAsync(minute, Ct)));
            Assert.Equal(Sorted(await sql.NetworksAsync(minute, Ct)), Sorted(await memory.NetworksAsync(minute, Ct)));
            var candidates = window.Keys.Append(absent).Append(SeriesKey.ForVersion(App, "3.0")).Append(SeriesKey.ForHost("cdn.shop.example")).Distinct().ToList();
            var expected = await sql.BaselinesAsync(candidates, minute, Ct);
            var actual = await memory.BaselinesAsync(candidates, minute, Ct);
            foreach (var key in candidates) Assert.True(expected[key].SequenceEqual(actual[key]), $"seed {seed}, {minute:u}, {key}: [{string.Join(',', actual[key])}] != [{string.Join(',', expected[key])}]");
            var live = await SeriesObservations.ActiveDevicesAsync(connection, transaction, candidates, minute, Ct);
            Assert.Equal(live.OrderBy(a => a.Key), (await memory.ActiveDevicesAsync(candidates, minute, Ct)).OrderBy(a => a.Key));
            Assert.Equal(live.OrderBy(a => a.Key), (await sql.ActiveDevicesAsync(candidates, minute, Ct)).OrderBy(a => a.Key));
            nonZero += window.Count;
        }
        Assert.True(nonZero > 100, "the traffic should fill the windows");
        // The series that appears at T+10 has no baseline before it existed (missing, not zero) in both.
        Assert.Empty((await memory.BaselinesAsync([SeriesKey.ForVersion(App, "3.0")], T.AddMinutes(20), Ct))[SeriesKey.ForVersion(App, "3.0")]);
        Assert.True(memory.RetainedCounts > 0);
        Assert.Equal(5000, (await memory.ActiveDevicesAsync([SeriesKey.ForVersion(App, "1.0")], T, Ct))[(App, "1.0")]);
        Assert.Equal(700, (await memory.ActiveDevicesAsync([SeriesKey.ForVersionHost(App, "2.0", "api.shop.example")], T, Ct))[(App, "2.0")]);
    }

    [Fact]
    public async Task Both_engines_backtest_to_the_same_alerts_and_say_which_ran()
    {
        await using var app = await StartWithTrafficAsync(postgres, 7);
        var set = new Dictionary<string, string> { ["Alerting:Window"] = "00:03:00", ["Alerting:BaselineDays"] = "2", ["Alerting:QuietPeriod"] = "00:05:00" };
        var runs = new Dictionary<string, JsonElement>();
        foreach (var engine in new[] { "sql", "memory" })
        {
            var response = await app.Admin.PostAsJsonAsync("/v1/alerts/backtest",
                new { from = Iso(T.AddMinutes(-12)), to = Iso(T.AddMinutes(42)), set, engine }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            runs[engine] = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("run");
            Assert.Equal(engine, runs[engine].GetProperty("engine").GetString());
        }
        var alerts = runs["memory"].GetProperty("alerts");
        Assert.NotEqual(0, alerts.GetArrayLength());
        Assert.Equal(runs["sql"].GetProperty("alerts").GetRawText(), alerts.GetRawText());
        Assert.Equal(runs["sql"].GetProperty("discardedPending").GetInt32(), runs["memory"].GetProperty("discardedPending").GetInt32());

        // The command line takes the engine too; an unknown one is named and nothing runs.
        var output = new StringWriter();
        Assert.Equal(0, await BacktestCommand.RunAsync(app.Services, ["backtest", "--from", Iso(T.AddMinutes(-12)), "--to", Iso(T.AddMinutes(42)), "--engine", "sql"], output));
        Assert.Contains("(sql engine)", output.ToString(), StringComparison.Ordinal);
        var bad = new StringWriter();
        Assert.Equal(2, await BacktestCommand.RunAsync(app.Services, ["backtest", "--from", Iso(T.AddMinutes(-12)), "--to", Iso(T.AddMinutes(42)), "--engine", "fast"], bad));
        Assert.StartsWith("backtest: engine: engine must be 'memory' or 'sql' (was 'fast')", bad.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await BacktestCommand.RunAsync(app.Services, ["backtest", "--from", Iso(T.AddMinutes(-12)), "--to", Iso(T.AddMinutes(42)), "--engine"], bad));
        Assert.Contains("unexpected '--engine'", bad.ToString(), StringComparison.Ordinal);
    }

    private static List<KeyValuePair<string, int>> Sorted(Dictionary<SeriesKey, int> counts) =>
        [.. counts.Select(c => KeyValuePair.Create(c.Key.ToString(), c.Value)).OrderBy(c => c.Key, StringComparer.Ordinal)];

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
}
