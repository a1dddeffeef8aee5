using System.Text;
using System.Text.Json;
using ReportApi.Alerting;
using ReportApi.Notifications;

namespace ReportApi.Tests.Notifications;

/// <summary>
/// Byte for byte, what an alert looks like: the outbox payload, each channel's request (URL, headers, body) for trigger,
/// repeat, resolve and missed, and the alerts API's JSON of the same alerts. Golden/alert-bodies.txt was written by the
/// code before issue #18 split rendering (Alerting) from delivery (Notifications); a refactor must not change a byte.
/// To accept an intended change, run with PINREPORTS_WRITE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class AlertBodyGoldenTests
{
    private static readonly string GoldenFile = Path.Combine(AppContext.BaseDirectory, "Notifications", "Golden", "alert-bodies.txt");

    [Fact]
    public void Payloads_channel_requests_and_api_json_stay_byte_identical()
    {
        var t = new DateTimeOffset(2026, 11, 30, 9, 1, 0, TimeSpan.Zero);
        var options = new NotificationOptions
        {
            PublicBaseUrl = "https://pinreports.example/",
            GrafanaBaseUrl = "https://grafana.example",
            Webhook = new WebhookOptions { Url = "https://hooks.example/pin", Secret = "s3cret" },
            Slack = new SlackOptions { WebhookUrl = "https://hooks.slack.example/T1" },
            PagerDuty = new PagerDutyOptions { RoutingKey = "R0UTING" },
        };
        var a = new Alert(42, "version-host:com.example.bank/3.1.0/api.bank.example", "version-host", "com.example.bank", "3.1.0", "api.bank.example",
            "firing", t.AddMinutes(-2), t, null, null, null, t.AddMinutes(3), 249, 260, 3.5, 5000, "Spike: <b>&</b> \"quoted\" é → 5.0%",
            "Line one\nline two", "Ship the backup pin", new Dictionary<string, int> { ["server-rotation"] = 200, ["unknown"] = 49 },
            new ChainInfo("intermediate", "CN=New CA", "CN=Root", "abc=", 200),
            [new VersionInfo("com.example.bank", "3.1.0", 249, 5000, 0.0498), new VersionInfo("com.example.bank", "3.0.2", 3, null, null)], 145);
        var longKey = "host:" + new string('h', 300) + ".example";
        var b = a with { Id = 7, SeriesKey = longKey, Level = "host", App = null, Version = null, NotedHostname = new string('h', 300) + ".example",
            Status = "resolved", ResolvedAt = t.AddMinutes(40), AcknowledgedAt = t.AddMinutes(5), AcknowledgedBy = "ops", ActiveDevices = null, WindowNetworks = null,
            DiagnosisMix = new Dictionary<string, int>(), TopChain = null };
        var output = new StringBuilder();
        foreach (var (ev, row) in new[] { ("trigger", a), ("repeat", a), ("resolve", b), ("missed", b with { Headline = "Missed x", Summary = "s" }) })
        {
            var n = AlertNotification.From(ev, row, options);
            var payload = n.Payload();
            output.Append("PAYLOAD ").Append(ev).Append('\n').Append(payload).Append('\n');
            foreach (var channel in new[] { "webhook", "slack", "pagerduty" })
            {
                var r = ChannelTransport.Render(channel, 1001, payload, new AlertNotificationRenderer(), options, t);
                output.Append("CHANNEL ").Append(ev).Append(' ').Append(channel).Append(' ').Append(r.Url).Append('\n');
                foreach (var h in r.Headers) output.Append("H ").Append(h.Key).Append(": ").Append(h.Value).Append('\n');
                output.Append(r.Body).Append('\n');
            }
        }
        foreach (var row in new[] { a, b })
        {
            output.Append("API\n").Append(JsonSerializer.Serialize(AlertResponse.From(row), new JsonSerializerOptions(JsonSerializerDefaults.Web))).Append('\n');
        }
        if (Environment.GetEnvironmentVariable("PINREPORTS_WRITE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Notifications", "Golden", "alert-bodies.txt"), output.ToString());
        }
        var expected = File.ReadAllText(GoldenFile).Split('\n');
        var actual = output.ToString().Split('\n');
        for (var i = 0; i < Math.Min(expected.Length, actual.Length); i++) Assert.Equal(expected[i], actual[i]);
        Assert.Equal(expected.Length, actual.Length);
    }
}
