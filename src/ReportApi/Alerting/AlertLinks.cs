using System.Globalization;
using ReportApi.Notifications;

namespace ReportApi.Alerting;

/// <summary>
/// The links an alert or a report carries for a person with a browser: the Grafana drill-down (the JSON API answers
/// a browser with 401, Grafana does not) and the runbook section of its diagnosis. Computed when the notification is
/// written, so a backlog keeps the links of the moment it was raised.
/// </summary>
public static class AlertLinks
{
    /// <summary>The diagnosis codes docs/runbook.md has a section (and a stable anchor) for.</summary>
    public static readonly IReadOnlySet<string> RunbookSections = new HashSet<string>(StringComparer.Ordinal)
    {
        "server-rotation", "interception-suspected", "certificate-invalid", "client-config-error", "unknown",
    };

    /// <summary>Grafana dashboard uids and slugs of grafana/dashboards (fixed by the generator).</summary>
    internal const string DrillDownPath = "/d/pinreports-version/app-version-drilldown";
    internal const string OverviewPath = "/d/pinreports-overview/pin-failures-overview";

    /// <summary>Context before the alert opened: enough of the baseline to see the step.</summary>
    internal static readonly TimeSpan Before = TimeSpan.FromHours(1);

    /// <summary>After a resolve: the recovery, then the flat line.</summary>
    internal static readonly TimeSpan AfterResolve = TimeSpan.FromMinutes(15);

    /// <summary>Where the runbook lives: <c>Notifications:RunbookBaseUrl</c>, else the copy this service serves at <c>/runbook</c>.</summary>
    public static string RunbookBase(NotificationOptions options) =>
        options.RunbookBaseUrl is { Length: > 0 } configured ? configured : options.PublicBaseUrl.TrimEnd('/') + RunbookEndpoint.Path;

    /// <summary>The section of a diagnosis code; the top of the runbook for a code it has no section for.</summary>
    public static string Runbook(NotificationOptions options, string? diagnosis) =>
        diagnosis is not null && RunbookSections.Contains(diagnosis) ? $"{RunbookBase(options)}#{diagnosis}" : RunbookBase(options);

    /// <summary>
    /// The drill-down for the alert's app, version and host over the alert's time range; a host-level alert names no
    /// version, so it opens on its top failing version. Null when <c>Notifications:GrafanaBaseUrl</c> is not set.
    /// </summary>
    public static string? Grafana(NotificationOptions options, Alert alert)
    {
        if (options.GrafanaBaseUrl is not { Length: > 0 } grafana) return null;
        var top = alert.TopVersions.Count > 0 ? alert.TopVersions[0] : null;
        var app = alert.App ?? top?.App;
        var version = alert.Version ?? (alert.App is null || top?.App == alert.App ? top?.Version : null);
        var query = new List<string>();
        if (app is not null) query.Add("var-app=" + Uri.EscapeDataString(app));
        if (app is not null && version is not null) query.Add("var-version=" + Uri.EscapeDataString(version));
        if (alert.NotedHostname is not null) query.Add("var-hostname=" + Uri.EscapeDataString(alert.NotedHostname));
        query.Add("from=" + Millis(alert.OpenedAt - Before));
        query.Add("to=" + (alert.ResolvedAt is { } resolved ? Millis(resolved + AfterResolve) : "now"));
        var path = app is not null && version is not null ? DrillDownPath : OverviewPath;
        return $"{grafana.TrimEnd('/')}{path}?{string.Join('&', query)}";
    }

    private static string Millis(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
