using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReportApi.Notifications;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Notifications;

/// <summary>
/// Every alert carries links a responder's browser can open (Grafana drill-down, runbook section) next to the API URL
/// for tools, on every channel; the runbook they point at is served and has a section per diagnosis code.
/// </summary>
public sealed partial class NotificationLinkTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = AlertScenario.T;
    private const string Grafana = "https://grafana.example/";

    [Fact]
    public async Task Every_channel_links_the_drill_down_over_the_alert_range_the_runbook_section_and_the_api()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:GrafanaBaseUrl"] = Grafana;
        settings["Alerting:QuietPeriod"] = "00:05:00";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        await scenario.WaitForDeliveryAsync();

        // Webhook: the links as fields of the alert; the drill-down starts an hour before the alert opened.
        var alert = receiver.At("/webhook").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("alert"))
            .Single(a => a.GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey);
        var openedAt = alert.GetProperty("openedAt").GetDateTimeOffset();
        var drillDown = "https://grafana.example/d/pinreports-version/app-version-drilldown?var-app=com.example.bank&var-version=3.1.0"
            + $"&var-hostname=api.bank.example&from={openedAt.AddHours(-1).ToUnixTimeMilliseconds()}&to=now";
        Assert.Equal(drillDown, alert.GetProperty("grafanaUrl").GetString());
        const string runbook = "https://pinreports.example/runbook#server-rotation";
        Assert.Equal(runbook, alert.GetProperty("runbookUrl").GetString());
        var api = alert.GetProperty("reportsUrl").GetString()!;
        Assert.StartsWith("https://pinreports.example/v1/reports?app=com.example.bank&version=3.1.0&hostname=api.bank.example", api, StringComparison.Ordinal);

        // A host-level alert names no version: its drill-down opens on the top failing version of that host.
        var hostAlert = receiver.At("/webhook").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("alert"))
            .Single(a => a.GetProperty("seriesKey").GetString() == AlertScenario.HostKey);
        Assert.StartsWith("https://grafana.example/d/pinreports-version/app-version-drilldown?var-app=com.example.bank&var-version=3.1.0&var-hostname=api.bank.example&from=",
            hostAlert.GetProperty("grafanaUrl").GetString(), StringComparison.Ordinal);

        // Slack: the three links in the order a responder wants them.
        var text = receiver.At("/slack").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!)
            .Single(t => t.Contains("on api.bank.example in com.example.bank 3.1.0", StringComparison.Ordinal) && t.Contains(":rotating_light:", StringComparison.Ordinal));
        Assert.Contains($"<{drillDown}|Drill-down in Grafana> · <{runbook}|Runbook: server-rotation> · <{api}|Failing reports (API, Bearer)>",
            text.Replace("&amp;", "&", StringComparison.Ordinal), StringComparison.Ordinal);

        // PagerDuty: links in the same order, and the URLs in the details for tools.
        var page = receiver.At("/pagerduty").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(p => p.GetProperty("dedup_key").GetString() == AlertScenario.VersionHostKey && p.GetProperty("event_action").GetString() == "trigger");
        Assert.Equal([drillDown, runbook, api], page.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("href").GetString()));
        Assert.Equal(runbook, page.GetProperty("payload").GetProperty("custom_details").GetProperty("runbook_url").GetString());

        // The runbook link opens, without a key, at a section that exists.
        var response = await scenario.Service.Client.GetAsync("/runbook", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<a id=\"server-rotation\"></a>", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // After recovery the drill-down covers the whole alert: from an hour before it opened to after it resolved.
        await scenario.EvaluateAsync(T.AddMinutes(2), T.AddMinutes(10));
        await scenario.WaitForDeliveryAsync();
        var resolved = receiver.At("/webhook").Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(b => b.GetProperty("event").GetString() == "resolve" && b.GetProperty("alert").GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey)
            .GetProperty("alert");
        var resolvedAt = resolved.GetProperty("resolvedAt").GetDateTimeOffset();
        Assert.EndsWith($"&to={resolvedAt.AddMinutes(15).ToUnixTimeMilliseconds()}", resolved.GetProperty("grafanaUrl").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_runbook_url_is_used_and_without_grafana_there_is_no_drill_down_link()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:RunbookBaseUrl"] = "https://wiki.example/pinreports/runbook";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T.AddMinutes(1));
        await scenario.WaitForDeliveryAsync();

        var alert = receiver.At("/webhook").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("alert"))
            .Single(a => a.GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey);
        Assert.Equal("https://wiki.example/pinreports/runbook#server-rotation", alert.GetProperty("runbookUrl").GetString());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("grafanaUrl").ValueKind);
        var slack = string.Join('\n', receiver.At("/slack").Select(r => r.Body));
        Assert.DoesNotContain("Drill-down in Grafana", slack, StringComparison.Ordinal);
        Assert.Contains("Runbook: server-rotation", slack, StringComparison.Ordinal);
    }

    /// <summary>The console and the alerts link to docs/runbook.md#&lt;code&gt;: every diagnosis code the service can emit has its anchor.</summary>
    [Fact]
    public void The_runbook_has_a_stable_anchor_and_a_section_for_every_diagnosis_code()
    {
        var markdown = RunbookEndpoint.Markdown();
        var anchors = Anchor().Matches(markdown).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var codes = Enum.GetValues<ReportApi.Domain.Diagnosis.DiagnosisCode>().Select(ReportApi.Domain.Diagnosis.DiagnosisCodeNames.ToWire).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(codes, anchors);
        Assert.Equal(codes.Order(StringComparer.Ordinal), Runbook.Sections.Order(StringComparer.Ordinal));
        foreach (var code in codes)
        {
            var section = markdown[markdown.IndexOf($"<a id=\"{code}\"></a>", StringComparison.Ordinal)..];
            var next = section.IndexOf("<a id=", 10, StringComparison.Ordinal);
            if (next > 0) section = section[..next];
            foreach (var part in new[] { "**What it means.**", "**Confirm.**", "**First 15 minutes.**", "**What not to do.**" })
            {
                Assert.Contains(part, section, StringComparison.Ordinal);
            }
        }
    }

    [GeneratedRegex("<a id=\"([a-z-]+)\"></a>")]
    private static partial Regex Anchor();
}
