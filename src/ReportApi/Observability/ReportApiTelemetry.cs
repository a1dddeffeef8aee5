using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReportApi.Observability;

/// <summary>The service's one ActivitySource and Meter, and its instruments (names follow OpenTelemetry conventions).</summary>
internal static class ReportApiTelemetry
{
    public const string Name = "PinReports.ReportApi";

    /// <summary>OpenTelemetry <c>service.name</c> (an <c>OTEL_SERVICE_NAME</c> variable still wins).</summary>
    public const string ServiceName = "pinreports-reportapi";

    /// <summary>OpenTelemetry <c>service.version</c>: the assembly's informational version (from the build).</summary>
    public static readonly string ServiceVersion =
        typeof(ReportApiTelemetry).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("pinreports.reports.accepted", "{report}", "Reports acknowledged with 204 (stored or duplicate).");
    private static readonly Counter<long> Stored = Meter.CreateCounter<long>("pinreports.reports.stored", "{report}", "Reports newly stored.");
    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("pinreports.reports.duplicates", "{report}", "Reports acknowledged as duplicates of a report stored in the last 24 h.");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("pinreports.reports.rejected", "{request}", "Ingest requests rejected, by reason.");
    private static readonly Counter<long> FailedReports = Meter.CreateCounter<long>("pinreports.ingest.batch.failed", "{report}", "Reports in batches whose transaction failed (answered 503).");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("pinreports.ingest.batch.size", "{report}", "Reports per group-commit transaction.");
    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("pinreports.ingest.batch.duration", "s", "Time to write and commit one batch.");

    public static void RecordBatch(int reports, int stored, TimeSpan elapsed)
    {
        Accepted.Add(reports);
        Stored.Add(stored);
        Duplicates.Add(reports - stored);
        BatchSize.Record(reports);
        BatchDuration.Record(elapsed.TotalSeconds);
    }

    /// <summary>
    /// Counters appear in /metrics only after their first measurement; a zero at start-up makes "no failures yet" a
    /// series at 0 instead of no series, so dashboards and alert rules on rate() work from the first scrape.
    /// </summary>
    public static void PublishZeroes()
    {
        FailedReports.Add(0);
        // The self-monitoring rules (deploy/prometheus/rules) compare these to zero: they must exist before the first event.
        Evaluations.Add(0);
        foreach (var channel in new[] { "webhook", "slack", "pagerduty" }) NotificationsDeadLettered.Add(0, new KeyValuePair<string, object?>("channel", channel));
        foreach (var reason in new[] { "invalid", "too-large", "unsupported-media-type", "rate-limited", "backlog-full", "commit-timeout", "database-unavailable" })
        {
            Rejected.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    private static readonly Counter<long> Capped = Meter.CreateCounter<long>("pinreports.reports.source_capped", "{report}",
        "Reports stored whose device did not count for alerting: their source network had reached its per-series cap.");

    public static void DeviceCapped() => Capped.Add(1);

    public static void BatchFailed(int reports) => FailedReports.Add(reports);

    public static void RequestRejected(string reason) => Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static Func<int> _queueDepth = static () => 0;
    private static readonly ObservableGauge<int> QueueDepth =
        Meter.CreateObservableGauge("pinreports.ingest.queue.depth", static () => _queueDepth(), "{report}", "Reports waiting for their commit.");

    /// <summary>Queue depth is observed, not pushed: the gauge reads the (one) live queue when a collector asks.</summary>
    public static void ObserveQueue(Func<int> pendingReports) => _queueDepth = pendingReports;

    private static readonly Counter<long> Evaluations = Meter.CreateCounter<long>("pinreports.alerts.evaluations", "{evaluation}", "Minutes evaluated by the spike detector (on this replica).");
    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>("pinreports.alerts.transitions", "{transition}", "Alert transitions, by transition (pending, fire, repeat, resolve, discard).");
    private static readonly Counter<long> NotificationsSent = Meter.CreateCounter<long>("pinreports.notifications.sent", "{notification}", "Notifications delivered (2xx), by channel.");
    private static readonly Counter<long> NotificationsFailed = Meter.CreateCounter<long>("pinreports.notifications.failed", "{attempt}", "Failed delivery attempts (rescheduled), by channel.");

    public static void AlertsEvaluated() => Evaluations.Add(1);

    public static void AlertTransition(ReportApi.Domain.Alerting.AlertTransition transition) =>
        Transitions.Add(1, new KeyValuePair<string, object?>("transition", transition.ToString().ToLowerInvariant()));

    public static void NotificationSent(string channel) => NotificationsSent.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public static void NotificationFailed(string channel) => NotificationsFailed.Add(1, new KeyValuePair<string, object?>("channel", channel));

    private static long _maintenanceSucceededAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private static readonly ObservableGauge<long> MaintenanceLastSuccess = Meter.CreateObservableGauge("pinreports.maintenance.last_success",
        static () => Interlocked.Read(ref _maintenanceSucceededAt), "s",
        "Unix time of the last successful hourly maintenance (partitions ahead, retention, dedup pruning); the process start until one succeeds.");

    /// <summary>Partition maintenance that keeps failing ends in refused writes once the last partition ahead is used up: alert on its age.</summary>
    public static void MaintenanceSucceeded(DateTimeOffset at) => Interlocked.Exchange(ref _maintenanceSucceededAt, at.ToUnixTimeSeconds());

    private static readonly Counter<long> NotificationsDeadLettered = Meter.CreateCounter<long>("pinreports.notifications.dead_lettered", "{notification}",
        "Notifications given up on (a permanent 4xx for longer than Notifications:DeadLetterAfter), by channel.");

    public static void NotificationDeadLettered(string channel) => NotificationsDeadLettered.Add(1, new KeyValuePair<string, object?>("channel", channel));

    private static Func<long> _notificationBacklog = static () => 0;
    private static Func<long> _deadLetters = static () => 0;
    private static readonly ObservableGauge<long> NotificationBacklog =
        Meter.CreateObservableGauge("pinreports.notifications.pending", static () => _notificationBacklog(), "{notification}", "Outbox notifications not yet delivered (dead letters excluded).");
    private static readonly ObservableGauge<long> DeadLetters =
        Meter.CreateObservableGauge("pinreports.notifications.dead_letters", static () => _deadLetters(), "{notification}", "Dead letters in the outbox: notifications no receiver will get.");

    /// <summary>The dispatcher counts the backlog each poll; the gauges read those counts (a scrape never queries the database).</summary>
    public static void ObserveNotificationBacklog(Func<long> pending, Func<long> deadLetters)
    {
        _notificationBacklog = pending;
        _deadLetters = deadLetters;
    }

    // Issue #22: what the forged-report defences refused or folded.
    private static readonly Counter<long> OutOfScopeReports = Meter.CreateCounter<long>("pinreports.reports.out_of_scope", "{report}",
        "Reports refused (422) as outside Ingest:Scope, by reason (app, platform, host); never stored.");

    private static readonly Counter<long> SeriesFolded = Meter.CreateCounter<long>("pinreports.series.capped", "{series}",
        "New failure series refused by a per-hour cap (by cap: app, host, total); their reports went to an overflow series.");

    public static void OutOfScope(string reason, int reports) => OutOfScopeReports.Add(reports, new KeyValuePair<string, object?>("reason", reason));

    public static void SeriesCapped(string cap, long series) => SeriesFolded.Add(series, new KeyValuePair<string, object?>("cap", cap));
}
