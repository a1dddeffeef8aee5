using Microsoft.Extensions.Options;

namespace ReportApi.Notifications;

/// <summary>Configuration section <c>Notifications</c>. A channel is on when its URL (or routing key) is set.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary><c>Notifications:PublicBaseUrl</c>: where responders reach this API; notifications link to it.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:8080";

    /// <summary>
    /// <c>Notifications:GrafanaBaseUrl</c>: the Grafana responders open (e.g. <c>https://grafana.example.com</c>); alerts
    /// link to its app-version drill-down. Unset: no drill-down link.
    /// </summary>
    public string? GrafanaBaseUrl { get; set; }

    /// <summary>
    /// <c>Notifications:RunbookBaseUrl</c>: where docs/runbook.md is published (a wiki, the repository's web view); alerts
    /// and reports link to <c>{url}#{diagnosis}</c>. Unset: the copy this service serves at <c>/runbook</c>.
    /// </summary>
    public string? RunbookBaseUrl { get; set; }

    public WebhookOptions Webhook { get; set; } = new();

    public SlackOptions Slack { get; set; } = new();

    public PagerDutyOptions PagerDuty { get; set; } = new();

    /// <summary>First retry delay; doubles per failed attempt up to <see cref="MaxBackoff"/>, with full jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A receiver that stays down (5xx, 408, 429, timeouts) is retried this often, forever: at least once never gives up.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A notification that a receiver keeps refusing with a permanent 4xx (400, 401, 403, 404, 410, 413, 422, ...:
    /// a wrong URL, a revoked token, a payload it rejects) is retried until it is this old, then becomes a dead letter
    /// (logged, counted in <c>pinreports.notifications.dead_letters</c>) so it stops blocking the alert's later
    /// notifications. Long enough that fixing the configuration in time still delivers it.
    /// </summary>
    public TimeSpan DeadLetterAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest <c>Retry-After</c> honoured; a receiver asking for more is retried after this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Per delivery attempt; a receiver that hangs longer is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the dispatcher looks for due notifications.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Notifications leased per poll (sent concurrently).</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>Off leaves the outbox to other replicas (or to a later start): rows wait, nothing is lost.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>The configured channels; the evaluator writes one outbox row per channel per notification.</summary>
    public IReadOnlyList<string> Channels =>
    [
        .. Webhook.Url is { Length: > 0 } ? [NotificationChannel.Webhook] : Array.Empty<string>(),
        .. Slack.WebhookUrl is { Length: > 0 } ? [NotificationChannel.Slack] : Array.Empty<string>(),
        .. PagerDuty.RoutingKey is { Length: > 0 } ? [NotificationChannel.PagerDuty] : Array.Empty<string>(),
    ];

    /// <summary>The longest a delivery attempt holds its lease: long enough that a slow send is never sent twice at once.</summary>
    public TimeSpan Lease => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(2).Ticks, Timeout.Ticks * 3));
}

public sealed class WebhookOptions
{
    /// <summary><c>Notifications:Webhook:Url</c>: generic JSON webhook.</summary>
    public string? Url { get; set; }

    /// <summary><c>Notifications:Webhook:Secret</c>: HMAC-SHA256 key of <c>X-PinReports-Signature</c>; required with the URL.</summary>
    public string? Secret { get; set; }
}

public sealed class SlackOptions
{
    /// <summary><c>Notifications:Slack:WebhookUrl</c>: a Slack incoming webhook.</summary>
    public string? WebhookUrl { get; set; }
}

public sealed class PagerDutyOptions
{
    /// <summary><c>Notifications:PagerDuty:RoutingKey</c>: the Events API v2 integration key of the service to page.</summary>
    public string? RoutingKey { get; set; }

    public string Url { get; set; } = "https://events.pagerduty.com/v2/enqueue";
}

/// <summary>Channel names as stored in <c>notification_outbox.channel</c>.</summary>
public static class NotificationChannel
{
    public const string Webhook = "webhook";
    public const string Slack = "slack";
    public const string PagerDuty = "pagerduty";
}

/// <summary>Start-up validation: every problem names its key, so an operator knows which variable to fix.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var problems = new List<string>();
        Url(problems, "PublicBaseUrl", options.PublicBaseUrl, required: true);
        Url(problems, "GrafanaBaseUrl", options.GrafanaBaseUrl, required: false);
        Url(problems, "RunbookBaseUrl", options.RunbookBaseUrl, required: false);
        Url(problems, "Webhook:Url", options.Webhook.Url, required: false);
        if (options.Webhook.Url is { Length: > 0 } && string.IsNullOrWhiteSpace(options.Webhook.Secret))
        {
            problems.Add($"{Key("Webhook:Secret")} is required when {Key("Webhook:Url")} is set: receivers verify the signature with it.");
        }
        if (options.Webhook.Secret is { Length: > 0 } && string.IsNullOrWhiteSpace(options.Webhook.Url))
        {
            problems.Add($"{Key("Webhook:Url")} is required when {Key("Webhook:Secret")} is set.");
        }
        Url(problems, "Slack:WebhookUrl", options.Slack.WebhookUrl, required: false);
        if (options.PagerDuty.RoutingKey is { Length: > 0 }) Url(problems, "PagerDuty:Url", options.PagerDuty.Url, required: true);
        Positive(problems, "InitialBackoff", options.InitialBackoff);
        Positive(problems, "MaxBackoff", options.MaxBackoff);
        if (options.MaxBackoff < options.InitialBackoff)
        {
            problems.Add($"{Key("MaxBackoff")} must not be below {Key("InitialBackoff")} (was {options.MaxBackoff}).");
        }
        Positive(problems, "Timeout", options.Timeout);
        Positive(problems, "DeadLetterAfter", options.DeadLetterAfter);
        Positive(problems, "MaxRetryAfter", options.MaxRetryAfter);
        Positive(problems, "PollInterval", options.PollInterval);
        if (options.BatchSize is < 1 or > 1000) problems.Add($"{Key("BatchSize")} must be between 1 and 1000 (was {options.BatchSize}).");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static string Key(string property) => $"{NotificationOptions.SectionName}:{property}";

    private static void Url(List<string> problems, string property, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) problems.Add($"{Key(property)} is required.");
            return;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            problems.Add($"{Key(property)} must be an absolute http or https URL (was '{value}').");
        }
    }

    private static void Positive(List<string> problems, string property, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) problems.Add($"{Key(property)} must be positive (was {value}).");
    }
}
