using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Rollups;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Stats.StatsTruth;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Issue #12: the rollup closer and the serving counts. Whatever the closer has or has not closed, whatever commits
/// late, whatever a data-subject deletion removes, the API answers exactly what a count over the raw reports says.
/// </summary>
public sealed class RollupCountsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private static readonly string[] Dimensions = ["app", "version", "platform", "hostname", "notedHostname", "diagnosis"];

    /// <summary>Traffic from 22:00 yesterday-ish to 01:30 of day 2 (crossing a day), with the closer run at random moments.</summary>
    private static readonly DateTimeOffset Start = KnownTraffic.Day1.AddHours(22);

    [Fact]
    public async Task Random_windows_and_groupings_match_raw_reports_across_the_closed_edge_and_late_batches()
    {
        var clock = new ManualClock(Start);
        // The background closer is slowed down so this test decides when folds happen (it still may run: harmless).
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        var random = new Random(12);
        var pkis = new[] { LivePki.Create("api.bank.example", "prop-api"), LivePki.Create("cdn.bank.example", "prop-cdn") };
        var versions = new[] { "3.2.0", "3.2.1", "4.0.0" };
        var apps = new[] { "com.example.bank", "com.example.wallet" };
        var late = 0;

        JsonObject RandomReport(DateTimeOffset at)
        {
            var pki = pkis[random.Next(pkis.Length)];
            var device = random.Next(10) == 0 ? null : $"device-{random.Next(25)}";
            var version = versions[random.Next(versions.Length)];
            var bundle = apps[random.Next(apps.Length)];
            // A fresh date-time per report, or a repeat of an earlier one: resends are duplicates, not stored.
            var dateTime = $"2026-11-26T{random.Next(24):00}:{random.Next(4):00}:00Z";
            var host = pki == pkis[0] ? "api.bank.example" : "cdn.bank.example";
            var report = random.Next(3) == 0
                ? ReportJson.Android(host, [.. pki.Chain], [Pin], vendorId: device ?? "x", appVersion: version, dateTime: dateTime, bundleId: bundle)
                : ReportJson.Ios(host, pki.Chain, [Pin], vendorId: device ?? "x", appVersion: version, dateTime: dateTime, bundleId: bundle,
                    enforce: random.Next(4) != 0, notedHostname: random.Next(5) == 0 ? "bank.example" : null, validationResult: random.Next(2) == 0 ? 1 : 3);
            if (device is null) report.Remove("app-vendor-id");
            return report;
        }

        async Task PostAsync(DateTimeOffset at)
        {
            clock.Now = at;
            var batch = new JsonArray([.. Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (JsonNode)RandomReport(at))]);
            var response = await app.Client.PostReportAsync(batch, Ct);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        async Task CheckAsync(int queries)
        {
            var end = clock.Now;
            for (var i = 0; i < queries; i++)
            {
                var interval = new[] { "1m", "5m", "1h", "1d" }[random.Next(4)];
                var span = interval switch
                {
                    "1m" => TimeSpan.FromMinutes(random.Next(1, 240)),
                    "5m" => TimeSpan.FromMinutes(random.Next(5, 400)),
                    _ => TimeSpan.FromMinutes(random.Next(30, 60 * 30)),
                };
                var from = Start.AddMinutes(-30) + TimeSpan.FromMinutes(random.Next((int)Math.Max(1, (end - Start).TotalMinutes + 30)));
                var groupBy = Dimensions.Where(_ => random.Next(4) == 0).ToList();
                var query = $"from={Iso(from)}&to={Iso(from + span)}&interval={interval}&groupBy={string.Join(",", groupBy)}";
                if (random.Next(4) == 0) query += random.Next(2) == 0 ? "&version=3.2.1" : "&platform=ios";
                if (random.Next(6) == 0) query += "&hostname=cdn.bank.example";
                await AssertMatchesReportsAsync(app, query);
            }
        }

        // Denominators for most (app, version, platform) tuples on both days, some zero, some missing: the rates of
        // every checked bucket are compared with the tuples that failed in its group (StatsTruth).
        var activity = new List<object>();
        foreach (var bundle in apps)
        {
            foreach (var version in versions)
            {
                foreach (var platform in new[] { "IOS", "ANDROID" })
                {
                    foreach (var day in new[] { Start, Start.AddDays(1) })
                    {
                        if (random.Next(6) == 0) continue;
                        activity.Add(new { app = bundle, version, platform, day = day.ToString("yyyy-MM-dd"), activeDevices = random.Next(8) == 0 ? 0 : random.Next(1, 500) });
                    }
                }
            }
        }
        await KnownTraffic.PostActivityAsync(app, [.. activity]);

        var at = Start;
        for (var step = 0; step < 60; step++)
        {
            at = at.AddSeconds(random.Next(10, 300));
            await PostAsync(at);
            if (random.Next(4) == 0)
            {
                // The closer runs some time later, so the edge sits anywhere: inside an hour, at a day's end.
                clock.Now = at.AddSeconds(random.Next(0, 90));
                await closer.CloseAsync(wait: true, Ct);
                var closed = await ClosedEdgeAsync(app);
                if (closed is { } edge && random.Next(2) == 0)
                {
                    // A batch stamped before the edge that commits after the closer passed it.
                    await PostAsync(edge.AddSeconds(-random.Next(1, 600)));
                    late++;
                    clock.Now = at;
                }
            }
            if (step % 12 == 11) await CheckAsync(6);
        }
        Assert.True(late > 0, "the random run had no late batch");
        Assert.True(await app.CountAsync("SELECT count(*) FROM failure_counts_hour") > 0, "the closer counted no hour");
        // Late minutes pending, then recounted: exact both ways.
        await CheckAsync(12);
        clock.Now = at.AddMinutes(2);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM rollup_dirty_minutes"));
        await CheckAsync(12);
        // Every grouping at once, by day, hour and 5 minutes over the whole run (served rows for closed buckets).
        foreach (var interval in new[] { "1d", "1h", "5m", "1m" })
        {
            await AssertMatchesReportsAsync(app, $"from={Iso(Start.AddHours(-1))}&to={Iso(at.AddHours(1))}&interval={interval}&groupBy={string.Join(",", Dimensions)}");
            await AssertMatchesReportsAsync(app, $"from={Iso(Start.AddHours(-1))}&to={Iso(at.AddHours(1))}&interval={interval}&groupBy=version,platform");
        }
    }

    [Fact]
    public async Task A_late_batch_marks_its_minute_and_reads_stay_exact_before_and_after_the_recount()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        var pki = LivePki.Create("api.bank.example", "late");
        async Task Post(DateTimeOffset at, string device)
        {
            clock.Now = at;
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(
                ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: device, dateTime: $"2026-11-26T10:00:{device.Length:00}Z"), Ct)).StatusCode);
        }
        await closer.CloseAsync(wait: true, Ct);
        await Post(Start.AddMinutes(10).AddSeconds(10), "device-a");
        await Post(Start.AddMinutes(70).AddSeconds(10), "device-b");
        clock.Now = Start.AddMinutes(75);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(Start.AddMinutes(74), await ClosedEdgeAsync(app));

        // Stamped 22:10:40, committed after the closer closed 22:10, the hour and the 5 minutes around it.
        await Post(Start.AddMinutes(10).AddSeconds(40), "device-late");
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM rollup_dirty_minutes WHERE minute = '{Start.AddMinutes(10):O}'"));
        var window = $"from={Iso(Start)}&to={Iso(Start.AddHours(2))}";
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" })
        {
            await AssertMatchesReportsAsync(app, $"{window}&interval={interval}");
            await AssertMatchesReportsAsync(app, $"{window}&interval={interval}&groupBy=version,hostname");
        }
        var hour = await KnownTraffic.StatsAsync(app, $"{window}&interval=1h");
        Assert.Equal(2, hour.GetProperty("series")[0].GetProperty("buckets")[0].GetProperty("devices").GetInt64());

        clock.Now = Start.AddMinutes(76);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM rollup_dirty_minutes"));
        // The recount reached the served rows themselves.
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM failure_counts_hour WHERE bucket = '{Start:O}' AND dims = 0"));
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM failure_counts_minute WHERE bucket = '{Start.AddMinutes(10):O}' AND dims = 0"));
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" }) await AssertMatchesReportsAsync(app, $"{window}&interval={interval}&groupBy=app");
    }

    [Fact]
    public async Task A_writer_that_read_the_old_edge_holds_the_closer_back_until_it_commits()
    {
        // The closer moves the closing edge with an UPDATE; a batch reads it FOR SHARE in its insert statement. Here a
        // transaction plays the batch that read the edge just before the closer came by, and commits afterwards.
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        await closer.CloseAsync(wait: true, Ct);
        var minute = Start.AddMinutes(3);

        await using var writer = await app.Db.OpenConnectionAsync(Ct);
        await using var tx = await writer.BeginTransactionAsync(Ct);
        await using (var read = new NpgsqlCommand("SELECT at FROM rollup_watermarks WHERE edge = 'closing' FOR SHARE", writer, tx))
        {
            Assert.True(Convert.ToDateTime(await read.ExecuteScalarAsync(Ct)) <= minute.UtcDateTime);
        }
        await using (var write = new NpgsqlCommand($"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            VALUES ('com.example.bank', '3.2.1', 'IOS', 'api.bank.example', 'api.bank.example', 'unknown', 1, now());
            INSERT INTO failure_rollups_minute VALUES ('{minute:O}', (SELECT max(id) FROM failure_series), 2, 0, 2);
            INSERT INTO failure_devices_minute VALUES ('{minute:O}', (SELECT max(id) FROM failure_series), 11), ('{minute:O}', (SELECT max(id) FROM failure_series), 12);
            """, writer, tx))
        {
            await write.ExecuteNonQueryAsync(Ct);
        }

        clock.Now = Start.AddMinutes(30);
        var closing = closer.CloseAsync(wait: true, Ct);
        await Task.Delay(1500, Ct);
        Assert.False(closing.IsCompleted, "the closer passed a batch that read the old edge and has not committed");
        await tx.CommitAsync(Ct);
        await closing;

        Assert.Equal(Start.AddMinutes(29), await ClosedEdgeAsync(app));
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM failure_counts_minute WHERE bucket = '{minute:O}' AND dims = 0"));
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM failure_counts_day WHERE bucket = '{KnownTraffic.Day1:O}' AND dims = 0"));
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" })
        {
            await AssertMatchesMinuteSetsAsync(app, $"from={Iso(Start)}&to={Iso(Start.AddHours(1))}&interval={interval}&groupBy=version");
        }
    }

    [Fact]
    public async Task Deleting_a_device_recounts_the_closed_buckets_that_held_it()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        await closer.CloseAsync(wait: true, Ct);
        var api = LivePki.Create("api.bank.example", "erase-api");
        var cdn = LivePki.Create("cdn.bank.example", "erase-cdn");
        async Task Post(DateTimeOffset at, string device, LivePki pki, string host, string version, bool enforce)
        {
            clock.Now = at;
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios(host, pki.Chain, [Pin], vendorId: device,
                appVersion: version, enforce: enforce, dateTime: $"2026-11-26T{at:HH:mm:ss}Z"), Ct)).StatusCode);
        }
        // The subject fails on two hosts, enforced and report-only, in two hours; others share its buckets.
        await Post(Start.AddMinutes(5), "subject", api, "api.bank.example", "3.2.1", enforce: true);
        await Post(Start.AddMinutes(5).AddSeconds(5), "other-1", api, "api.bank.example", "3.2.1", enforce: true);
        await Post(Start.AddMinutes(6), "subject", cdn, "cdn.bank.example", "3.2.1", enforce: false);
        await Post(Start.AddMinutes(65), "subject", api, "api.bank.example", "3.2.0", enforce: true);
        await Post(Start.AddMinutes(65).AddSeconds(1), "other-2", cdn, "cdn.bank.example", "3.2.0", enforce: false);
        await Post(Start.AddMinutes(130), "other-1", api, "api.bank.example", "3.2.1", enforce: true);
        clock.Now = Start.AddMinutes(100);
        await closer.CloseAsync(wait: true, Ct);
        Assert.True(await app.CountAsync($"SELECT devices FROM failure_counts_day WHERE bucket = '{KnownTraffic.Day1:O}' AND dims = 0") == 3);
        var window = $"from={Iso(Start)}&to={Iso(Start.AddHours(3))}";
        string[] groupings = ["", "hostname", "version,hostname", "app,version,platform,hostname,notedHostname,diagnosis"];
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" })
        {
            foreach (var g in groupings) await AssertMatchesReportsAsync(app, $"{window}&interval={interval}&groupBy={g}");
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.DeleteAsync("/v1/devices/subject", Ct)).StatusCode);

        // Closed, served buckets lost exactly the subject, in every grouping and both enforce splits ...
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM failure_counts_day WHERE bucket = '{KnownTraffic.Day1:O}' AND dims = 0"));
        Assert.Equal(0, await app.CountAsync($"SELECT devices_report_only FROM failure_counts_hour WHERE bucket = '{Start:O}' AND dims = 0"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM failure_counts_minute WHERE devices < 0 OR devices_enforced < 0 OR devices_report_only < 0"));
        // ... and every device count equals the raw reports, which no longer hold it (report counts are aggregates
        // without identity and stay, as before issue #12).
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports WHERE app_version = '3.2.0' AND hostname = 'api.bank.example'"));
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" })
        {
            foreach (var g in groupings) await AssertDevicesMatchReportsAsync(app, $"{window}&interval={interval}&groupBy={g}");
        }
        // Folding later never brings it back (its minute rows are gone too).
        clock.Now = Start.AddMinutes(200);
        await closer.CloseAsync(wait: true, Ct);
        foreach (var interval in new[] { "1h", "1d" }) await AssertDevicesMatchReportsAsync(app, $"{window}&interval={interval}&groupBy=hostname");
    }

    [Theory]
    [InlineData("Rollups:CloseInterval", "00:00:00")]
    [InlineData("Rollups:CloseInterval", "soon")]
    [InlineData("Rollups:CloseDelay", "-00:00:05")]
    [InlineData("Rollups:CloseDelay", "01:00:00")]
    public async Task Bad_closer_configuration_stops_start_up_naming_the_key(string key, string value)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(key.Split(':')[1], error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<DateTimeOffset?> ClosedEdgeAsync(TestApp app)
    {
        await using var command = app.Db.CreateCommand("SELECT at FROM rollup_watermarks WHERE edge = 'closed'");
        return await command.ExecuteScalarAsync(Ct) is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
    }
}
