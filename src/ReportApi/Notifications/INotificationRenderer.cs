namespace ReportApi.Notifications;

/// <summary>
/// What a stored payload says in each channel, implemented by the feature that enqueues it (alerts: Alerting). Called at
/// send time, so a backlog is sent with the channel settings of the moment it goes out; the transport adds what is the
/// channel's and not the message's (URL, signature, routing key, size limits).
/// </summary>
public interface INotificationRenderer
{
    /// <summary>The generic webhook's JSON body, signed as it is.</summary>
    string Webhook(string payload);

    SlackMessage Slack(string payload);

    PagerDutyEvent PagerDuty(string payload);
}

/// <summary>A Slack message in mrkdwn, already escaped (<see cref="ChannelTransport.EscapeSlack"/>): the fallback line and the section text.</summary>
public sealed record SlackMessage(string Fallback, string Text);

/// <summary>
/// A PagerDuty Events v2 event without its routing key. <see cref="Payload"/> null is a resolve (no payload, no links);
/// <see cref="DedupKey"/> may be any length, the transport fits it to PagerDuty's limit.
/// </summary>
public sealed record PagerDutyEvent(string Action, string DedupKey, System.Text.Json.Nodes.JsonObject? Payload, IReadOnlyList<NotificationLink> Links);

/// <summary>A link a person opens from a notification.</summary>
public sealed record NotificationLink(string Href, string Text);
