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
        foreach (var reason in new[] { "invalid", "rate-limited", "not-ready" }) AdvisoryRejections.Add(0, new KeyValuePair<string, object?>("reason", reason));
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

    // NaN while the lag cannot be measured (the standby does not answer): the series stays (Grafana draws a gap, a
    // "lag > x" rule stays quiet, the service-health panel keeps its name) and a stale "0" cannot hide a dead standby.
    private static double _replicaLagSeconds;
    private static readonly ObservableGauge<double> ReplicaLagSeconds = Meter.CreateObservableGauge("pinreports.replica.lag",
        static () => Volatile.Read(ref _replicaLagSeconds), "s",
        "How far the read route (ConnectionStrings:PostgresReadOnly) is behind the primary; 0 without a read replica; NaN while it cannot be measured.");

    /// <summary>Issue #16: the read replica's lag as last measured, or null when the measurement failed.</summary>
    public static void ReplicaLag(double? seconds) => Volatile.Write(ref _replicaLagSeconds, seconds is { } s ? Math.Max(0, s) : double.NaN);

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

    // Answers are counted in plain memory and observed at collection: an instrument call per answer would cost this
    // hottest route more than the answer itself. Index: action (required, recommended, none) * 2 + known; an unknown
    // version is always "none", so required/recommended with known=false (0, 2) are never reported.
    private static readonly long[] AdvisoryCounts = new long[6];
    private static readonly string[] AdvisoryActions = ["update-required", "update-recommended", "none"];
    private static readonly ObservableCounter<long> AdvisoryAnswers = Meter.CreateObservableCounter("pinreports.advisory.answers",
        static () => Enumerable.Range(0, 6).Where(i => i is not 0 and not 2).Select(i => new Measurement<long>(Interlocked.Read(ref AdvisoryCounts[i]),
            new KeyValuePair<string, object?>("action", AdvisoryActions[i / 2]), new KeyValuePair<string, object?>("known", i % 2 == 1 ? "true" : "false"))),
        "{answer}", "GET /v1/advisory answers (200 or 304), by action (update-required, update-recommended, none) and known (false: version or app unknown).");
    private static readonly Counter<long> AdvisoryRejections = Meter.CreateCounter<long>("pinreports.advisory.rejected", "{request}",
        "GET /v1/advisory requests refused, by reason (invalid, rate-limited, not-ready).");

    public static void AdvisoryAnswered(string action, bool known)
    {
        var index = action switch { "update-required" => 0, "update-recommended" => 2, _ => 4 } + (known ? 1 : 0);
        Interlocked.Increment(ref AdvisoryCounts[index]);
    }

    public static void AdvisoryRejected(string reason) => AdvisoryRejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
