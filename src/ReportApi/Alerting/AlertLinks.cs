using System.Globalization;
using ReportApi.Notifications;

namespace ReportApi.Alerting;

/// <summary>
/// The links an alert carries for a person with a browser: the Grafana drill-down (the JSON API answers a browser with
/// 401, Grafana does not) and the runbook section of its dominant diagnosis (<see cref="Notifications.Runbook"/>). Computed when the
/// notification is written, so a backlog keeps the links of the moment it was raised.
/// </summary>
public static class AlertLinks
{
    /// <summary>The runbook section of the alert's dominant diagnosis.</summary>
    public static string Runbook(NotificationOptions options, Alert alert) => Notifications.Runbook.Link(options, alert.DominantDiagnosis);

    /// <summary>Grafana dashboard uids and slugs of grafana/dashboards (fixed by the generator).</summary>
    internal const string DrillDownPath = "/d/pinreports-version/app-version-drilldown";
    internal const string OverviewPath = "/d/pinreports-overview/pin-failures-overview";

    /// <summary>Context before the alert opened: enough of the baseline to see the step.</summary>
    internal static readonly TimeSpan Before = TimeSpan.FromHours(1);

    /// <summary>After a resolve: the recovery, then the flat line.</summary>
    internal static readonly TimeSpan AfterResolve = TimeSpan.FromMinutes(15);

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
