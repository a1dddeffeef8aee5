using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ReportApi.Notifications;

/// <summary>One HTTP request to send: where, the body, and extra headers.</summary>
internal sealed record RenderedNotification(string Url, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>
/// Turns a channel's message into its HTTP request with the channel's current settings (so a rotated secret or routing key
/// applies to the backlog too, and no secret is stored in the outbox): the webhook's signature headers, Slack's blocks and
/// size limit, PagerDuty's routing and dedup keys. It knows channels, not what the messages are about.
/// </summary>
internal static class ChannelTransport
{
    private const int SlackTextLimit = 2900;

    /// <summary>PagerDuty's limit on <c>dedup_key</c>; a longer key is rejected with 400 and the incident never opens.</summary>
    internal const int PagerDutyDedupKeyLimit = 255;

    public static RenderedNotification Render(string channel, long deliveryId, string payload, INotificationRenderer renderer,
        NotificationOptions options, DateTimeOffset now) => channel switch
    {
        NotificationChannel.Webhook => Webhook(deliveryId, renderer.Webhook(payload), options.Webhook, now),
        NotificationChannel.Slack => new RenderedNotification(options.Slack.WebhookUrl!, SlackBody(renderer.Slack(payload)).ToJsonString(NotificationJson.Options), []),
        NotificationChannel.PagerDuty => new RenderedNotification(options.PagerDuty.Url,
            PagerDutyBody(renderer.PagerDuty(payload), options.PagerDuty.RoutingKey!).ToJsonString(NotificationJson.Options), []),
        _ => throw new InvalidOperationException($"Unknown notification channel '{channel}'."),
    };

    /// <summary>
    /// The signature covers "{timestamp}.{body}", so a receiver can reject replays of an old body; the delivery id lets it
    /// drop the duplicates at-least-once delivery may bring.
    /// </summary>
    public static RenderedNotification Webhook(long deliveryId, string body, WebhookOptions options, DateTimeOffset now)
    {
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

    /// <summary>One section block; the text is cut at Slack's limit for a section.</summary>
    public static JsonObject SlackBody(SlackMessage message)
    {
        var text = message.Text.Length > SlackTextLimit ? message.Text[..SlackTextLimit] + "…" : message.Text;
        return new JsonObject
        {
            // The fallback (notifications, clients without blocks) is parsed as mrkdwn too: the renderer escapes it like the blocks.
            ["text"] = message.Fallback,
            ["blocks"] = new JsonArray(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text },
            }),
        };
    }

    // Slack mrkdwn treats &, < and > as control characters.
    public static string EscapeSlack(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public static JsonObject PagerDutyBody(PagerDutyEvent pagerDutyEvent, string routingKey)
    {
        var body = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = pagerDutyEvent.Action,
            ["dedup_key"] = DedupKey(pagerDutyEvent.DedupKey),
        };
        if (pagerDutyEvent.Payload is not { } payload) return body;
        body["payload"] = payload;
        body["links"] = new JsonArray([.. pagerDutyEvent.Links.Select(l => (JsonNode)new JsonObject { ["href"] = l.Href, ["text"] = l.Text })]);
        return body;
    }

    /// <summary>
    /// The key when it fits; otherwise a readable prefix and the SHA-256 of the whole key, so two long keys that share a
    /// prefix stay distinct and trigger and resolve of one incident still carry the same key.
    /// </summary>
    internal static string DedupKey(string key)
    {
        if (key.Length <= PagerDutyDedupKeyLimit) return key;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return key[..(PagerDutyDedupKeyLimit - hash.Length - 1)] + "#" + hash;
    }
}
