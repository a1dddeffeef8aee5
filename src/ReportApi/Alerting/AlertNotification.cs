using System.Globalization;
using System.Text.Json;
using ReportApi.Notifications;

namespace ReportApi.Alerting;

/// <summary>
/// What one alert notification says, independent of the channel: the outbox payload the evaluator writes
/// (<see cref="Payload"/>), rendered for its channel when sent (<see cref="AlertNotificationRenderer"/>). It is also, as is,
/// the generic webhook's body. A contract type over <see cref="Alert"/> because that JSON needs one: it is the webhook's
/// documented body (field order, absolute URLs, links of the moment it was raised), and rows written by an earlier release
/// are read back in this shape.
/// </summary>
public sealed record AlertNotification(string Event, AlertNotificationBody Alert)
{
    public const string Trigger = "trigger";
    public const string Repeat = "repeat";
    public const string Resolve = "resolve";

    /// <summary>Issue #19: alerts that fired and resolved while the evaluator was down, in one message; never sent to PagerDuty.</summary>
    public const string Missed = "missed";

    public static AlertNotification From(string @event, Alert alert, NotificationOptions options)
    {
        var baseUrl = options.PublicBaseUrl.TrimEnd('/');
        return new AlertNotification(@event, new AlertNotificationBody(
            alert.Id, alert.SeriesKey, alert.Level, alert.App, alert.Version, alert.NotedHostname, alert.Status, alert.Headline,
            alert.Summary, alert.Action, alert.WindowDevices, alert.PeakDevices, alert.BaselineMedian, alert.ActiveDevices, alert.Share,
            alert.DominantDiagnosis, alert.DiagnosisMix, alert.TopChain, alert.TopVersions, alert.OpenedAt, alert.FiredAt, alert.ResolvedAt,
            ReportsUrl(baseUrl, alert), $"{baseUrl}/v1/alerts?state=all#alert-{alert.Id}", alert.WindowNetworks,
            AlertLinks.Grafana(options, alert), AlertLinks.Runbook(options, alert)));
    }

    /// <summary>The outbox payload: this notification as JSON.</summary>
    public string Payload() => NotificationJson.Serialize(this);

    /// <summary>A stored payload, also one written by an earlier release.</summary>
    public static AlertNotification Read(string payload) =>
        JsonSerializer.Deserialize<AlertNotification>(payload, NotificationJson.Options) ?? throw new JsonException("An outbox payload is null.");

    /// <summary>The failing reports from ten minutes before the alert fired, filtered to the series.</summary>
    private static string ReportsUrl(string baseUrl, Alert alert)
    {
        var from = (alert.FiredAt ?? alert.OpenedAt).AddMinutes(-10).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var query = new List<string>();
        if (alert.App is not null) query.Add("app=" + Uri.EscapeDataString(alert.App));
        if (alert.Version is not null) query.Add("version=" + Uri.EscapeDataString(alert.Version));
        if (alert.NotedHostname is not null) query.Add("hostname=" + Uri.EscapeDataString(alert.NotedHostname));
        query.Add("from=" + Uri.EscapeDataString(from));
        return $"{baseUrl}/v1/reports?{string.Join('&', query)}";
    }
}

/// <summary>
/// The alert as notifications show it (the webhook's <c>alert</c> object). <c>grafanaUrl</c> and <c>runbookUrl</c> open in
/// a browser; <c>reportsUrl</c> and <c>alertUrl</c> are the API (Bearer) for tools.
/// </summary>
public sealed record AlertNotificationBody(
    long Id,
    string SeriesKey,
    string Level,
    string? App,
    string? Version,
    string? NotedHostname,
    string Status,
    string Headline,
    string Summary,
    string Action,
    int WindowDevices,
    int PeakDevices,
    double BaselineMedian,
    int? ActiveDevices,
    double? Share,
    string? Diagnosis,
    IReadOnlyDictionary<string, int> DiagnosisMix,
    ChainInfo? TopChain,
    IReadOnlyList<VersionInfo> TopVersions,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? ResolvedAt,
    string ReportsUrl,
    string AlertUrl,
    int? WindowNetworks = null,
    string? GrafanaUrl = null,
    string? RunbookUrl = null);
