using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using ReportApi.Alerting;
using ReportApi.Domain.Alerting;
using ReportApi.Query;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>
/// One alert: what fired, its timeline against the baseline, the diagnosis mix, the failing chain with pin matches, the
/// versions hit, and where to go next (runbook, Grafana, reports). Three bounded reads: the alert row, the series'
/// per-minute devices from the rollups (one bucket per minute of a bounded range), and one sample report of the window.
/// </summary>
internal sealed class AlertModel(
    ConsoleQueries queries, IAuthorizationService authorization, IOptions<DetectorOptions> detector, IOptions<ConsoleOptions> console,
    IConfiguration configuration) : PageModel
{
    /// <summary>Reports of the window looked at to find one showing the top chain.</summary>
    private const int SampleReports = 20;

    public AlertResponse Alert { get; private set; } = null!;
    public IReadOnlyList<ChartPoint> Timeline { get; private set; } = [];
    public string TimelineInterval { get; private set; } = "1m";
    public double BaselinePerBucket { get; private set; }
    public int WindowMinutes => detector.Value.WindowMinutes;
    public ReportDetails? Sample { get; private set; }
    public string? Problem { get; private set; }
    public bool CanAcknowledge { get; private set; }
    public bool Acknowledged { get; private set; }
    public string? Diagnosis => Alert.DiagnosisMix.OrderByDescending(e => e.Value).Select(e => e.Key).FirstOrDefault();
    public string RunbookUrl => $"{console.Value.RunbookUrl}#{Diagnosis ?? "unknown"}";
    public string? GrafanaUrl { get; private set; }
    public string ReportsUrl { get; private set; } = "";
    public string SelfUrl => $"/console/alerts/{Alert.Id}";
    public DateTimeOffset From { get; private set; }
    public DateTimeOffset To { get; private set; }

    public async Task OnGetAsync(string id, string? acknowledged, CancellationToken ct)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var alertId))
        {
            Fail(StatusCodes.Status400BadRequest, $"'{id}' is not an alert id.");
            return;
        }
        if (await queries.AlertAsync(alertId, ct) is not { } alert)
        {
            Fail(StatusCodes.Status404NotFound, $"There is no alert {alertId}.");
            return;
        }
        Alert = alert;
        Acknowledged = acknowledged is not null;
        CanAcknowledge = await ConsoleAuth.CanAcknowledgeAsync(authorization, User);

        // An hour of context before the spike, up to ten minutes after the last evaluation (or now, if sooner).
        var end = alert.ResolvedAt ?? alert.LastEvaluation;
        From = Floor(alert.OpenedAt.AddHours(-1));
        To = Floor(Min(end.AddMinutes(10), queries.Now)).AddMinutes(1);
        if (To <= From) To = From.AddMinutes(1);
        var span = To - From;
        TimelineInterval = span <= TimeSpan.FromHours(12) ? "1m" : span <= TimeSpan.FromDays(7) ? "5m" : "1h";
        var stepMinutes = TimelineInterval switch { "1m" => 1, "5m" => 5, _ => 60 };
        // The baseline is a median of distinct devices per detector window; scaled to the chart's bucket for comparison.
        BaselinePerBucket = alert.BaselineMedian * stepMinutes / Math.Max(1, WindowMinutes);

        // The timeline (rollups) and the sample chain (reports) are independent reads: run them side by side.
        var statsTask = queries.FailuresAsync(SeriesFilter(alert, "notedHostname").Concat(
            [new("from", Fmt.Iso(From)), new("to", Fmt.Iso(To)), new("interval", TimelineInterval)]), ct);
        var windowFrom = (alert.FiredAt ?? alert.OpenedAt).AddMinutes(-10);
        var sampleTask = SampleAsync(alert, windowFrom, end, ct);
        var stats = await statsTask;
        if (stats.Value is { } s)
        {
            Timeline = [.. s.Series.SelectMany(x => x.Buckets).GroupBy(b => b.Start).OrderBy(g => g.Key)
                .Select(g => new ChartPoint(g.Key, g.Sum(b => b.Devices)))];
        }
        else
        {
            Problem = $"Timeline unavailable: {stats.Problem!.Detail}";
        }
        Sample = await sampleTask;

        ReportsUrl = "/console/reports?" + QueryString.Create(SeriesFilter(alert, "hostname").Concat(
            [new("from", Fmt.Iso(windowFrom)), new("to", Fmt.Iso(To))])).Value!.TrimStart('?');
        if (configuration["Notifications:GrafanaBaseUrl"] is { Length: > 0 } grafana)
        {
            var q = new List<KeyValuePair<string, string?>>();
            if (alert.App is not null) q.Add(new("var-app", alert.App));
            if (alert.Version is not null) q.Add(new("var-version", alert.Version));
            if (alert.NotedHostname is not null) q.Add(new("var-hostname", alert.NotedHostname));
            q.Add(new("from", From.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
            q.Add(new("to", To.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
            GrafanaUrl = $"{grafana.TrimEnd('/')}/d/pinreports-version/app-version-drilldown{QueryString.Create(q)}";
        }
    }

    /// <summary>A report of the alert's window showing its top chain (else any of its reports), in full.</summary>
    private async Task<ReportDetails?> SampleAsync(AlertResponse alert, DateTimeOffset from, DateTimeOffset end, CancellationToken ct)
    {
        var query = new ReportListQuery(alert.App, alert.Version, null, alert.NotedHostname, null, null,
            Fmt.Iso(from), Fmt.Iso(end.AddMinutes(1)), SampleReports.ToString(CultureInfo.InvariantCulture), null);
        var (filter, _) = ReportFilter.Validate(query, queries.Now);
        if (filter is null) return null;
        var page = await queries.Reports.PageAsync(filter, ct);
        var top = alert.TopChain;
        var pick = page.Items.FirstOrDefault(r => top is not null && (r.LeafSpkiSha256 == top.SpkiSha256 || r.LeafIssuer == top.Subject))
            ?? page.Items.FirstOrDefault();
        return pick is null ? null : await queries.Reports.FindAsync(pick.Id, ct);
    }

    private static List<KeyValuePair<string, string?>> SeriesFilter(AlertResponse a, string hostParameter) =>
    [
        new("app", a.App), new("version", a.Version), new(hostParameter, a.NotedHostname),
    ];

    private void Fail(int status, string message)
    {
        Problem = message;
        Response.StatusCode = status;
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
