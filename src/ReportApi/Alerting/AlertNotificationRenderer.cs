using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ReportApi.Notifications;

/// <summary>One HTTP request to send: where, the body, and extra headers.</summary>
internal sealed record RenderedNotification(string Url, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>
/// Renders a stored notification for its channel at send time (so a rotated secret or routing key applies to the
/// backlog too). Each rendering leads with the headline: the cause is the first thing a responder reads.
/// </summary>
internal static class NotificationRenderer
{
    private const int PagerDutySummaryLimit = 1024;
    private const int SlackTextLimit = 2900;

    public static RenderedNotification Render(string channel, long deliveryId, AlertNotification notification, NotificationOptions options,
        DateTimeOffset now) => channel switch
    {
        NotificationChannel.Webhook => Webhook(deliveryId, notification, options.Webhook, now),
        NotificationChannel.Slack => new RenderedNotification(options.Slack.WebhookUrl!, Slack(notification).ToJsonString(NotificationJson.Options), []),
        NotificationChannel.PagerDuty => new RenderedNotification(options.PagerDuty.Url,
            PagerDuty(notification, options.PagerDuty.RoutingKey!).ToJsonString(NotificationJson.Options), []),
        _ => throw new InvalidOperationException($"Unknown notification channel '{channel}'."),
    };

    /// <summary>
    /// The signature covers "{timestamp}.{body}", so a receiver can reject replays of an old body; the delivery id lets it
    /// drop the duplicates at-least-once delivery may bring.
    /// </summary>
    public static RenderedNotification Webhook(long deliveryId, AlertNotification notification, WebhookOptions options, DateTimeOffset now)
    {
        var body = NotificationJson.Serialize(notification);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new RenderedNotification(options.Url!, body,
        [
            new("X-PinReports-Timestamp", timestamp),
            new("X-PinReports-Signature", "sha256=" + Sign(options.Secret!, timestamp, body)),
            new("X-PinReports-Delivery", deliveryId.ToString(CultureInfo.InvariantCulture)),
        ]);
    }

    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public static JsonObject Slack(AlertNotification notification)
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
        var text = string.Join('\n', lines);
        if (text.Length > SlackTextLimit) text = text[..SlackTextLimit] + "…";
        return new JsonObject
        {
            // The fallback (notifications, clients without blocks) is parsed as mrkdwn too: escape it like the blocks.
            ["text"] = Escape(a.Headline),
            ["blocks"] = new JsonArray(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text },
            }),
        };
    }

    /// <summary>Trigger and repeat are both <c>trigger</c> with the series as dedup key: PagerDuty folds them into one incident.</summary>
    public static JsonObject PagerDuty(AlertNotification notification, string routingKey)
    {
        var a = notification.Alert;
        var resolve = notification.Event == AlertNotification.Resolve;
        var summary = a.Headline.Length > PagerDutySummaryLimit ? a.Headline[..(PagerDutySummaryLimit - 1)] + "…" : a.Headline;
        var body = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = resolve ? "resolve" : "trigger",
            ["dedup_key"] = DedupKey(a.SeriesKey),
        };
        if (resolve) return body;

        body["payload"] = new JsonObject
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
        body["links"] = new JsonArray([.. BrowserLinks(a).Select(l => (JsonNode)new JsonObject { ["href"] = l.Href, ["text"] = l.Text })]);
        return body;
    }

    /// <summary>
    /// What a responder opens, in that order: the Grafana drill-down (a browser gets a page, not the API's 401), the
    /// runbook section of the diagnosis, then the API URL for tools (Bearer).
    /// </summary>
    internal static IEnumerable<(string Href, string Text)> BrowserLinks(AlertNotificationBody a)
    {
        if (a.GrafanaUrl is { } grafana) yield return (grafana, "Drill-down in Grafana");
        if (a.RunbookUrl is { } runbook) yield return (runbook, a.Diagnosis is { } d ? $"Runbook: {d}" : "Runbook");
        yield return (a.ReportsUrl, "Failing reports (API, Bearer)");
    }

    /// <summary>PagerDuty's limit on <c>dedup_key</c>; a longer key is rejected with 400 and the incident never opens.</summary>
    internal const int PagerDutyDedupKeyLimit = 255;

    /// <summary>
    /// The series key when it fits; otherwise a readable prefix and the SHA-256 of the whole key, so two long keys that
    /// share a prefix stay distinct and trigger and resolve of one series still carry the same key.
    /// </summary>
    internal static string DedupKey(string seriesKey)
    {
        if (seriesKey.Length <= PagerDutyDedupKeyLimit) return seriesKey;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seriesKey)));
        return seriesKey[..(PagerDutyDedupKeyLimit - hash.Length - 1)] + "#" + hash;
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

    // Slack mrkdwn treats &, < and > as control characters.
    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
