using System.Text.Json;
using ReportApi.Alerting;
using ReportApi.Notifications;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Notifications;

/// <summary>
/// Receivers that refuse for good, or ask for time (issue 20.5): a permanent 4xx ends as a dead letter after a bounded
/// window, with a metric, and stops blocking the alert's later notifications; Retry-After is honoured; PagerDuty's
/// dedup_key stays within 255 characters; Slack's fallback text is escaped.
/// </summary>
public sealed class NotificationFailureTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = AlertScenario.T;

    [Fact]
    public async Task A_permanent_4xx_becomes_a_dead_letter_after_the_window_while_5xx_keeps_retrying()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Behaviour = (path, _) => path switch
        {
            "/pagerduty" => 400, // e.g. a revoked routing key: repeating will not help
            "/webhook" => 503,   // down: worth retrying forever
            _ => 200,
        };
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:DeadLetterAfter"] = "00:00:02";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));

        var app = scenario.Service;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'pagerduty' AND next_attempt_at = 'infinity'") < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the refused PagerDuty notifications did not become dead letters");
            await Task.Delay(100, Ct);
        }
        Assert.Equal(3, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'pagerduty' AND delivered_at IS NULL AND last_status = 400 AND last_error LIKE 'dead letter: HTTP 400%'"));

        // Dead letters are never sent again; the 503 receiver still is.
        var refused = receiver.Requests.Count(r => r.Path == "/pagerduty");
        var retried = receiver.Requests.Count(r => r.Path == "/webhook");
        await Task.Delay(1500, Ct);
        Assert.Equal(refused, receiver.Requests.Count(r => r.Path == "/pagerduty"));
        Assert.True(receiver.Requests.Count(r => r.Path == "/webhook") > retried, "a 503 receiver must keep being retried");
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'webhook' AND next_attempt_at = 'infinity'"));

        // The counter (the dead-letter gauge reads one process-wide dispatcher, which other tests' hosts in this test
        // process replace, so it is only checked to exist, by PrometheusRulesTests).
        var metrics = await app.Client.GetStringAsync("/metrics", Ct);
        Assert.Matches(@"pinreports_notifications_dead_lettered_total\{[^}]*channel=""pagerduty""[^}]*\} [1-9]", metrics);

        // A later notification of the same alert and channel is no longer held behind the dead letter.
        receiver.Behaviour = (_, _) => 200;
        await using (var resend = app.Db.CreateCommand("""
            INSERT INTO notification_outbox (alert_id, channel, event, payload, created_at, attempts, next_attempt_at)
            SELECT alert_id, channel, event, payload, now(), 0, now() FROM notification_outbox WHERE channel = 'pagerduty' ORDER BY id LIMIT 1
            """))
        {
            await resend.ExecuteNonQueryAsync(Ct);
        }
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'pagerduty' AND delivered_at IS NOT NULL") < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "a dead letter still blocks its alert's later notifications");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Retry_after_from_the_receiver_is_honoured()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Behaviour = (path, attempt) => path == "/slack" && attempt == 1 ? 429 : 200;
        receiver.ResponseHeaders = (path, attempt) => path == "/slack" && attempt == 1 ? new Dictionary<string, string> { ["Retry-After"] = "2" } : null;
        await using var scenario = await AlertScenario.StartAsync(postgres, AlertScenario.Channels(receiver)); // backoff at most 300 ms
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        await scenario.WaitForDeliveryAsync();

        var slack = receiver.Requests.Where(r => r.Path == "/slack").ToList();
        var first = slack.First(r => r.Status == 429);
        var retry = slack.Where(r => r.Status == 200 && r.Body == first.Body).Single();
        Assert.True(retry.ReceivedAt - first.ReceivedAt >= TimeSpan.FromSeconds(1.9), $"retried after {retry.ReceivedAt - first.ReceivedAt}, Retry-After said 2 s");
    }

    [Fact]
    public void PagerDuty_dedup_keys_stay_within_255_characters_distinct_and_stable()
    {
        var shortKey = "version-host:com.example.bank/3.1.0/api.bank.example";
        Assert.Equal(shortKey, ChannelTransport.DedupKey(shortKey));
        var prefix = "version-host:com.example." + new string('a', 300);
        var one = ChannelTransport.DedupKey(prefix + "/1.0/api.example.com");
        var other = ChannelTransport.DedupKey(prefix + "/2.0/api.example.com");
        Assert.True(one.Length <= 255 && other.Length <= 255);
        Assert.NotEqual(one, other);
        Assert.Equal(one, ChannelTransport.DedupKey(prefix + "/1.0/api.example.com"));
        Assert.StartsWith("version-host:com.example.", one, StringComparison.Ordinal);
    }

    [Fact]
    public void Slack_fallback_text_is_escaped_like_the_blocks()
    {
        var body = new AlertNotificationBody(1, "host:<evil>", "host", "com.example.<app>", "1.0", "api.example.com", "firing",
            "Spike on <!channel> & <https://evil.example|click>", "summary", "action", 30, 30, 0, null, null, null,
            new Dictionary<string, int>(), null, [], T, T, null, "https://pinreports.example/v1/reports", "https://pinreports.example/v1/alerts");
        var slack = ChannelTransport.SlackBody(AlertNotificationRenderer.Slack(new AlertNotification(AlertNotification.Trigger, body)));

        var text = slack["text"]!.GetValue<string>();
        Assert.Equal("Spike on &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;", text);
        Assert.Contains("Spike on &lt;!channel&gt; &amp;", slack["blocks"]![0]!["text"]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", slack.ToJsonString(), StringComparison.Ordinal);
        _ = JsonDocument.Parse(slack.ToJsonString());
    }
}
