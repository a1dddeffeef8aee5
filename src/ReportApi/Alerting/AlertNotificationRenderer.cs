using System.Globalization;
using System.Text.Json.Nodes;
using ReportApi.Notifications;

namespace ReportApi.Alerting;

/// <summary>
/// What an alert notification (<see cref="AlertNotification"/>, the outbox payload) looks like in each channel. The
/// outbox calls it at send time and adds the channel's own parts (<see cref="ChannelTransport"/>: URL, signature, routing
/// key, limits). Each rendering leads with the headline: the cause is the first thing a responder reads.
/// </summary>
internal sealed class AlertNotificationRenderer : INotificationRenderer
{
    private const int PagerDutySummaryLimit = 1024;

    /// <summary>The payload as the webhook's body, re-serialised so it reads the same whatever the database did to its JSON.</summary>
    public string Webhook(string payload) => NotificationJson.Serialize(AlertNotification.Read(payload));

    public SlackMessage Slack(string payload) => Slack(AlertNotification.Read(payload));

    public PagerDutyEvent PagerDuty(string payload) => PagerDuty(AlertNotification.Read(payload));

    public static SlackMessage Slack(AlertNotification notification)
    {
        var a = notification.Alert;
        var icon = notification.Event switch
        {
            AlertNotification.Resolve => ":white_check_mark:",
            AlertNotification.Repeat => ":rotating_light: (still firing)",
            _ => ":rotating_light:",
        };
        var lines = new List<string> { $"{icon} *{Escape(a.Headline)}*", Escape(Numbers(a)) };
        if (a.DiagnosisMix.Count > 0) lines.Add("*Diagnoses:* " + Escape(string.Join(", ", a.DiagnosisMix.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value}"))));
        if (a.TopChain is { } c)
        {
            lines.Add($"*Chain:* {c.Role} `{Escape(c.Subject)}` issued by `{Escape(c.Issuer)}`, SPKI `{Escape(c.SpkiSha256)}` ({c.Devices} devices)");
        }
        if (a.TopVersions.Count > 0) lines.Add("*Versions:* " + Escape(Versions(a)));
        lines.Add("*Action:* " + Escape(a.Action));
        lines.Add(string.Join(" · ", BrowserLinks(a).Select(l => $"<{l.Href}|{Escape(l.Text)}>")) + $" · series `{Escape(a.SeriesKey)}` · alert {a.Id}");
        return new SlackMessage(Escape(a.Headline), string.Join('\n', lines));
    }

    /// <summary>
    /// Trigger and repeat are both <c>trigger</c> with the series as dedup key: PagerDuty folds them into one incident,
    /// and the resolve of the series closes it.
    /// </summary>
    public static PagerDutyEvent PagerDuty(AlertNotification notification)
    {
        var a = notification.Alert;
        if (notification.Event == AlertNotification.Resolve) return new PagerDutyEvent("resolve", a.SeriesKey, null, []);

        var summary = a.Headline.Length > PagerDutySummaryLimit ? a.Headline[..(PagerDutySummaryLimit - 1)] + "…" : a.Headline;
        var payload = new JsonObject
        {
            ["summary"] = summary,
            ["source"] = "pinreports",
            ["severity"] = "critical",
            ["timestamp"] = (a.FiredAt ?? a.OpenedAt).ToString("o", CultureInfo.InvariantCulture),
            ["component"] = a.NotedHostname,
            ["group"] = a.App,
            ["class"] = a.Diagnosis,
            ["custom_details"] = new JsonObject
            {
                ["series"] = a.SeriesKey,
                ["devices"] = a.WindowDevices,
                ["networks"] = a.WindowNetworks,
                ["share"] = a.Share,
                ["baseline_median"] = a.BaselineMedian,
                ["diagnosis_mix"] = System.Text.Json.JsonSerializer.SerializeToNode(a.DiagnosisMix, NotificationJson.Options),
                ["chain_subject"] = a.TopChain?.Subject,
                ["chain_issuer"] = a.TopChain?.Issuer,
                ["chain_spki_sha256"] = a.TopChain?.SpkiSha256,
                ["top_versions"] = Versions(a),
                ["action"] = a.Action,
                ["summary"] = a.Summary,
                ["alert_id"] = a.Id,
                ["grafana_url"] = a.GrafanaUrl,
                ["runbook_url"] = a.RunbookUrl,
                ["api_reports_url"] = a.ReportsUrl,
            },
        };
        return new PagerDutyEvent("trigger", a.SeriesKey, payload, [.. BrowserLinks(a)]);
    }

    /// <summary>
    /// What a responder opens, in that order: the Grafana drill-down (a browser gets a page, not the API's 401), the
    /// runbook section of the diagnosis, then the API URL for tools (Bearer).
    /// </summary>
    internal static IEnumerable<NotificationLink> BrowserLinks(AlertNotificationBody a)
    {
        if (a.GrafanaUrl is { } grafana) yield return new(grafana, "Drill-down in Grafana");
        if (a.RunbookUrl is { } runbook) yield return new(runbook, a.Diagnosis is { } d ? $"Runbook: {d}" : "Runbook");
        yield return new(a.ReportsUrl, "Failing reports (API, Bearer)");
    }

    private static string Numbers(AlertNotificationBody a)
    {
        var share = a.Share is { } s ? $" ({(s * 100).ToString("0.0", CultureInfo.InvariantCulture)}% of active devices)" : "";
        var networks = a.WindowNetworks is { } n ? $" from {n} {(n == 1 ? "network" : "networks")}" : "";
        return $"*Devices:* {a.WindowDevices}{share}{networks} · *peak* {a.PeakDevices} · *baseline* {a.BaselineMedian.ToString("0.#", CultureInfo.InvariantCulture)}";
    }

    private static string Versions(AlertNotificationBody a) =>
        string.Join(", ", a.TopVersions.Select(v => $"{v.App} {v.Version} {v.Devices}" +
            (v.Share is { } s ? $" ({(s * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)" : "")));

    private static string Escape(string text) => ChannelTransport.EscapeSlack(text);
}
