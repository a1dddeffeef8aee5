using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Alerting;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>
/// Issue #22, through HTTP and Postgres: 70 reports with minted vendor ids for an app and host nobody configured. From
/// one address they open a suspicious alert that pages nobody; spread over 70 networks they page.
/// </summary>
public sealed class ForgedReportTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string Host = "api.victim.example";
    private const string App = "com.victim.bank";

    /// <summary>Today 12:00 UTC: today's partitions exist in every test database.</summary>
    private static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(12);

    private static readonly Lazy<LivePki> Pki = new(() => LivePki.Create(Host, "forged"));

    private static JsonNode Forged(int i) =>
        ReportJson.Ios(Host, Pki.Value.Chain, [Pin], vendorId: Guid.NewGuid().ToString(), appVersion: "7.0.0", bundleId: App,
            dateTime: T.AddSeconds(-50 + i % 30).ToString("yyyy-MM-ddTHH:mm:ssZ"));

    private async Task<(TestApp App, ManualClock Clock, Receiver Receiver)> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var receiver = await Receiver.StartAsync();
        var clock = new ManualClock(T.AddSeconds(-50));
        var settings = AlertScenario.Channels(receiver);
        settings["Alerting:Evaluator:Enabled"] = "false";
        settings["Network:TrustedProxies:0"] = "127.0.0.1";
        settings["Network:TrustedProxies:1"] = "::1";
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var app = await TestApp.StartAsync(postgres, settings, s => s.AddSingleton<TimeProvider>(clock));
        return (app, clock, receiver);
    }

    private static async Task EvaluateAsync(TestApp app, ManualClock clock)
    {
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();
        foreach (var minute in new[] { T, T.AddMinutes(1) })
        {
            clock.Now = minute.AddSeconds(15);
            await evaluator.EvaluateAsync(minute, Ct);
        }
    }

    [Fact]
    public async Task Seventy_minted_devices_from_one_address_page_nobody_and_show_as_suspicious_with_a_link_to_the_reports()
    {
        var (app, clock, receiver) = await StartAsync();
        await using var _ = app;
        await using var __ = receiver;
        var burst = new JsonArray([.. Enumerable.Range(0, 70).Select(Forged)]);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(burst, Ct)).StatusCode);

        await EvaluateAsync(app, clock);

        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM alerts WHERE fired_at IS NOT NULL"));
        using var firing = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=firing", Ct));
        Assert.Empty(firing.RootElement.GetProperty("items").EnumerateArray());

        using var suspicious = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=suspicious", Ct));
        var items = suspicious.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count); // host, version, version-host: the three series the issue saw fire
        var host = items.Single(a => a.GetProperty("seriesKey").GetString() == $"host:{Host}");
        Assert.Equal("suspicious", host.GetProperty("status").GetString());
        Assert.Equal(70, host.GetProperty("windowDevices").GetInt32());
        Assert.Equal(1, host.GetProperty("windowNetworks").GetInt32());
        Assert.StartsWith($"Suspicious: 70 devices from 1 network on {Host}", host.GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.Contains("not paged", host.GetProperty("headline").GetString(), StringComparison.Ordinal);
        var reportsUrl = host.GetProperty("reportsUrl").GetString()!;
        Assert.StartsWith($"/v1/reports?hostname={Host}&from=", reportsUrl, StringComparison.Ordinal);

        // The link lists the forged reports.
        using var reports = JsonDocument.Parse(await app.Reader.GetStringAsync(reportsUrl, Ct));
        Assert.Equal(70, reports.RootElement.GetProperty("items").GetArrayLength());

        // A suspicious alert cannot be acknowledged (there is nothing to silence).
        var id = host.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin.PostAsync($"/v1/alerts/{id}/acknowledge", null, Ct)).StatusCode);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task The_same_burst_from_seventy_networks_pages_and_every_channel_shows_the_network_count()
    {
        var (app, clock, receiver) = await StartAsync(new()
        {
            ["Ingest:Scope:Apps:0:BundleId"] = App,
            ["Ingest:Scope:Hosts:0"] = Host,
        });
        await using var _ = app;
        await using var __ = receiver;
        for (var i = 0; i < 70; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports")
            {
                Content = new StringContent(Forged(i).ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Forwarded-For", $"198.{18 + i / 200}.{i % 200}.{7 + i % 3}");
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.SendAsync(request, Ct)).StatusCode);
        }

        await EvaluateAsync(app, clock);

        using var firing = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=firing", Ct));
        var host = firing.RootElement.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == $"host:{Host}");
        Assert.Equal(70, host.GetProperty("windowNetworks").GetInt32());
        Assert.Contains("70 devices from 70 networks fail since", host.GetProperty("headline").GetString(), StringComparison.Ordinal);

        // No address is stored anywhere: only 8-byte keyed hashes of the /24s.
        Assert.Equal(70, await app.CountAsync("SELECT count(DISTINCT network_id) FROM failure_networks_minute"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports WHERE raw::text LIKE '%198.18.%'"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.At("/slack").Count < 3 || receiver.At("/pagerduty").Count < 3 || receiver.At("/webhook").Count < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "Notifications were not delivered in time.");
            await Task.Delay(50, Ct);
        }
        Assert.Contains(receiver.At("/slack"), r => r.Body.Contains("*Devices:* 70 from 70 networks", StringComparison.Ordinal));
        Assert.Contains(receiver.At("/pagerduty"), r => JsonDocument.Parse(r.Body).RootElement.GetProperty("payload")
            .GetProperty("custom_details").GetProperty("networks").GetInt32() == 70);
        Assert.Contains(receiver.At("/webhook"), r => JsonDocument.Parse(r.Body).RootElement.GetProperty("alert")
            .GetProperty("windowNetworks").GetInt32() == 70);
    }

    [Fact]
    public async Task A_version_flood_stops_creating_series_at_the_cap_and_every_report_is_still_stored_and_counted()
    {
        var (app, _, receiver) = await StartAsync(new() { ["Ingest:MaxNewSeriesPerAppPerHour"] = "5" });
        await using var __ = app;
        await using var ___ = receiver;
        for (var batch = 0; batch < 4; batch++)
        {
            var reports = new JsonArray([.. Enumerable.Range(0, 10).Select(i =>
                ReportJson.Ios(Host, Pki.Value.Chain, [Pin], vendorId: $"flood-{batch}-{i}", appVersion: $"9.{batch}.{i}", bundleId: App))]);
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(reports, Ct)).StatusCode);
        }

        // Five real series and the app's overflow series; all 40 reports stored and counted in the rollups.
        Assert.Equal(5, await app.CountAsync($"SELECT count(*) FROM failure_series WHERE app = '{App}' AND version <> '(other)'"));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM failure_series WHERE app = '{App}' AND version = '(other)'"));
        Assert.Equal(40, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(40, await app.CountAsync("SELECT sum(reports) FROM failure_rollups_minute"));
        Assert.Equal(35, await app.CountAsync(
            "SELECT sum(r.reports) FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id WHERE s.version = '(other)'"));

        // The overflow series is no alerting series: evaluation sees the five real versions (three levels each) and the host.
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();
        var evaluation = await evaluator.EvaluateAsync(T.AddMinutes(1), Ct);
        Assert.Equal(1 + 5 * 2, evaluation.SeriesCount);
    }

    [Fact]
    public async Task Series_without_a_report_for_the_retention_window_are_dropped_and_live_ones_kept()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var db = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            await using var seed = db.CreateCommand("""
                INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at) VALUES
                    ('com.junk', '0.0.1', 'IOS', 'h.example', 'h.example', 'unknown', 1, now() - interval '40 days'),
                    ('com.live', '1.0.0', 'IOS', 'h.example', 'h.example', 'unknown', 1, now() - interval '40 days'),
                    ('com.new', '1.0.0', 'IOS', 'h.example', 'h.example', 'unknown', 1, now());
                INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices)
                    SELECT date_trunc('minute', now()), id, 1, 0, 1 FROM failure_series WHERE app = 'com.live';
                """);
            await seed.ExecuteNonQueryAsync(Ct);
        }

        // The maintenance job runs at start-up, then hourly.
        await using var app = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Retention:Days"] = "30" });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await app.CountAsync("SELECT count(*) FROM failure_series WHERE app = 'com.junk'") > 0 && DateTime.UtcNow < deadline) await Task.Delay(200, Ct);

        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM failure_series WHERE app = 'com.junk'"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM failure_series WHERE app = 'com.live'"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM failure_series WHERE app = 'com.new'"));
    }

    [Fact]
    public async Task Reports_carrying_the_apps_ingest_key_are_independent_evidence_even_from_one_address()
    {
        const string key = "5f0c2a9e7b3d48e1a6c4f2b8d0e9a7c35b1f6e2d8a4c0b9e7f3a5d1c6b8e2f40"; // strong: the service refuses weak keys outside Development
        var (app, clock, receiver) = await StartAsync(new() { ["Ingest:AppKeys:0:App"] = App, ["Ingest:AppKeys:0:Key"] = key });
        await using var _ = app;
        await using var __ = receiver;
        var burst = new JsonArray([.. Enumerable.Range(0, 70).Select(Forged)]);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/reports?key={key}")
        {
            Content = new StringContent(burst.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.SendAsync(request, Ct)).StatusCode);

        await EvaluateAsync(app, clock);

        using var firing = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=firing", Ct));
        var host = firing.RootElement.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == $"host:{Host}");
        Assert.Equal(70, host.GetProperty("windowNetworks").GetInt32());
    }
}
