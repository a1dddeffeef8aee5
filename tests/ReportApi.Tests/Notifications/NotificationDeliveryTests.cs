using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Notifications;

/// <summary>Delivery to real HTTP receivers on loopback: payloads per channel, retries, no duplicate pages, restarts.</summary>
public sealed class NotificationDeliveryTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = AlertScenario.T;

    [Fact]
    public async Task Each_channel_gets_a_readable_signed_payload_naming_cause_chain_and_versions_and_a_resolve()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Alerting:QuietPeriod"] = "00:05:00";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        await scenario.WaitForDeliveryAsync();

        // Webhook: the alert as JSON, signed over "{timestamp}.{body}".
        var hook = receiver.At("/webhook").Select(r => (Request: r, Body: JsonDocument.Parse(r.Body).RootElement))
            .Single(r => r.Body.GetProperty("alert").GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey);
        var timestamp = hook.Request.Headers["X-PinReports-Timestamp"];
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AlertScenario.WebhookSecret),
            Encoding.UTF8.GetBytes($"{timestamp}.{hook.Request.Body}")));
        Assert.Equal(expected, hook.Request.Headers["X-PinReports-Signature"]);
        Assert.True(long.Parse(hook.Request.Headers["X-PinReports-Delivery"]) > 0);
        Assert.Equal("trigger", hook.Body.GetProperty("event").GetString());
        var alert = hook.Body.GetProperty("alert");
        Assert.StartsWith("server-rotation on api.bank.example", alert.GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.Equal(45, alert.GetProperty("windowDevices").GetInt32());
        Assert.Equal(5, alert.GetProperty("baselineMedian").GetDouble());
        Assert.Equal(40, alert.GetProperty("diagnosisMix").GetProperty("server-rotation").GetInt32());
        Assert.Equal(AlertScenario.NewIntermediate.Subject, alert.GetProperty("topChain").GetProperty("subject").GetString());
        Assert.Equal("CN=Alerting Root CA, O=PinReports Tests", alert.GetProperty("topChain").GetProperty("issuer").GetString());
        Assert.Equal(AlertScenario.NewIntermediateSpki, alert.GetProperty("topChain").GetProperty("spkiSha256").GetString());
        Assert.Equal("3.1.0", alert.GetProperty("topVersions")[0].GetProperty("version").GetString());
        Assert.Contains("backup pin", alert.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Equal("https://pinreports.example/v1/reports?app=com.example.bank&version=3.1.0&hostname=api.bank.example&from="
            + Uri.EscapeDataString(T.AddMinutes(-9).ToString("yyyy-MM-ddTHH:mm:ssZ")), alert.GetProperty("reportsUrl").GetString());

        // Slack: headline first, then the evidence and the action, readable.
        var slack = receiver.At("/slack").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(b => b.GetProperty("text").GetString()!.Contains("on api.bank.example in com.example.bank 3.1.0", StringComparison.Ordinal));
        var text = slack.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.StartsWith(":rotating_light: *server-rotation on api.bank.example", text, StringComparison.Ordinal);
        Assert.Contains("*Devices:* 45", text, StringComparison.Ordinal);
        Assert.Contains("*Diagnoses:* server-rotation 40, unknown 5", text, StringComparison.Ordinal);
        Assert.Contains($"SPKI `{AlertScenario.NewIntermediateSpki}`", text, StringComparison.Ordinal);
        Assert.Contains("*Versions:* com.example.bank 3.1.0 45", text, StringComparison.Ordinal);
        Assert.Contains("*Action:* Our chain changed", text, StringComparison.Ordinal);
        Assert.Contains("<https://pinreports.example/v1/reports?", text, StringComparison.Ordinal);

        // PagerDuty: one trigger per series, the series key as dedup key.
        var pages = receiver.At("/pagerduty").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(3, pages.Count);
        Assert.Equal([AlertScenario.HostKey, AlertScenario.VersionHostKey, AlertScenario.VersionKey],
            pages.Select(p => p.GetProperty("dedup_key").GetString()).Order(StringComparer.Ordinal));
        var page = pages.Single(p => p.GetProperty("dedup_key").GetString() == AlertScenario.VersionHostKey);
        Assert.Equal(AlertScenario.RoutingKey, page.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", page.GetProperty("event_action").GetString());
        var payload = page.GetProperty("payload");
        Assert.StartsWith("server-rotation on api.bank.example in com.example.bank 3.1.0: 45 devices", payload.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal("critical", payload.GetProperty("severity").GetString());
        Assert.Equal("pinreports", payload.GetProperty("source").GetString());
        Assert.Equal("api.bank.example", payload.GetProperty("component").GetString());
        Assert.Equal("com.example.bank", payload.GetProperty("group").GetString());
        Assert.Equal("server-rotation", payload.GetProperty("class").GetString());
        Assert.Equal(AlertScenario.NewIntermediateSpki, payload.GetProperty("custom_details").GetProperty("chain_spki_sha256").GetString());
        Assert.Contains(page.GetProperty("links").EnumerateArray(),
            l => l.GetProperty("href").GetString()!.StartsWith("https://pinreports.example/v1/reports?", StringComparison.Ordinal));

        // Recovery: a resolve on every channel; PagerDuty closes the incident by the same dedup key.
        await scenario.EvaluateAsync(T.AddMinutes(2), T.AddMinutes(10));
        await scenario.WaitForDeliveryAsync();
        var resolve = receiver.At("/pagerduty").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(p => p.GetProperty("event_action").GetString() == "resolve" && p.GetProperty("dedup_key").GetString() == AlertScenario.VersionHostKey);
        Assert.Equal(AlertScenario.RoutingKey, resolve.GetProperty("routing_key").GetString());
        Assert.Contains(receiver.At("/webhook"), r => r.Body.Contains("\"event\":\"resolve\"", StringComparison.Ordinal));
        Assert.Contains(receiver.At("/slack"), r => r.Body.Contains(":white_check_mark: *Resolved: server-rotation", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_receiver_answering_500_twice_then_a_hanging_one_still_gets_every_notification_once_back()
    {
        await using var receiver = await Receiver.StartAsync();
        // Webhook: 500, 500, then 200. Slack: hangs past the timeout once, then answers.
        receiver.Behaviour = (path, attempt) => path switch
        {
            "/webhook" => attempt <= 2 ? 500 : 200,
            "/slack" => attempt == 1 ? -3000 : 200,
            _ => 200,
        };
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:Timeout"] = "00:00:00.500";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        await scenario.WaitForDeliveryAsync();

        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'webhook' AND attempts = 3 AND last_status = 200"));
        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'slack' AND attempts = 2"));
        Assert.Equal(9, receiver.Requests.Count(r => r.Path == "/webhook"));
        Assert.Equal(6, receiver.Requests.Count(r => r.Path == "/webhook" && r.Status == 500));
        Assert.Equal(3, receiver.At("/webhook").Count);
        Assert.Equal(3, receiver.At("/slack").Count);
        Assert.Equal(3, receiver.At("/pagerduty").Count);
    }

    [Fact]
    public async Task One_incident_pages_once_repeats_only_after_the_interval_and_never_after_acknowledge()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Alerting:RepeatInterval"] = "00:03:00";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(4)); // fires at T+1, repeats at T+4
        await scenario.WaitForDeliveryAsync();
        var outbox = await scenario.OutboxAsync("pagerduty");
        Assert.Equal(["trigger", "repeat"], outbox.Where(o => o.Series == AlertScenario.VersionHostKey).Select(o => o.Event));

        foreach (var alert in await AlertEvaluationTests.AlertsAsync(scenario.Service, "firing"))
        {
            var response = await scenario.Service.Admin.PostAsync($"/v1/alerts/{alert.GetProperty("id").GetInt64()}/acknowledge", null, Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
        // Still failing, well past another repeat interval: acknowledged alerts stay quiet.
        await scenario.PostSpikeAsync(T.AddMinutes(4), prefix: "later");
        await scenario.EvaluateAsync(T.AddMinutes(5), T.AddMinutes(9));
        await scenario.WaitForDeliveryAsync();
        Assert.Equal(outbox, await scenario.OutboxAsync("pagerduty"));

        var pages = receiver.At("/pagerduty").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Where(p => p.GetProperty("dedup_key").GetString() == AlertScenario.VersionHostKey).ToList();
        Assert.Equal(2, pages.Count);
        Assert.All(pages, p => Assert.Equal("trigger", p.GetProperty("event_action").GetString()));
        var deliveries = receiver.At("/webhook").Select(r => r.Headers["X-PinReports-Delivery"]).ToList();
        Assert.Equal(deliveries.Count, deliveries.Distinct().Count());
    }

    [Fact]
    public async Task Notifications_written_before_a_restart_are_delivered_by_the_next_process()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:DispatcherEnabled"] = "false";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        Assert.Equal(9, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL"));
        Assert.Empty(receiver.Requests);

        settings["Notifications:DispatcherEnabled"] = "true";
        scenario.Restart(settings);
        await scenario.WaitForDeliveryAsync();
        Assert.Equal(3, receiver.At("/webhook").Count);
        Assert.Equal(3, receiver.At("/slack").Count);
        Assert.Equal(3, receiver.At("/pagerduty").Count);
    }
}
