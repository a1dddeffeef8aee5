using Microsoft.Extensions.Options;
using Npgsql;
using ReportApi.Domain.Alerting;
using ReportApi.Notifications;
using ReportApi.Observability;

namespace ReportApi.Alerting;

/// <summary>The outcome of one <see cref="AlertEvaluator.EvaluateAsync"/>: skipped (another replica, or already done) or the decisions that changed something.</summary>
internal sealed record AlertEvaluation(DateTimeOffset Minute, bool Skipped, int SeriesCount, IReadOnlyList<AlertDecision> Decisions)
{
    /// <summary>Skipped because another replica held the evaluation lock (not because the minute was done).</summary>
    public bool Busy { get; init; }

    public IReadOnlyList<AlertDecision> Of(AlertTransition transition) => [.. Decisions.Where(d => d.Transition == transition)];
}

/// <summary>
/// Runs <see cref="SpikeDetector"/> once a minute over the rollups. Each minute is one transaction: a transaction-scoped
/// advisory lock keeps replicas apart, a row in <c>alert_evaluations</c> makes the minute happen once (a restarted or
/// second replica finds it and skips), and the alert rows and their outbox rows commit together, so a crash never
/// leaves an alert without its notification or a notification without its alert.
/// </summary>
internal sealed partial class AlertEvaluator(
    AlertingStore store,
    IOptions<DetectorOptions> detector,
    IOptions<AlertEvaluatorOptions> evaluator,
    IOptions<NotificationOptions> notifications,
    TimeProvider time,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!evaluator.Value.Enabled) return;

        // A short tick rather than a one-minute timer: each tick evaluates the latest settled minute if this process has
        // not yet, so evaluations land within a tick of the minute boundary without aligning a timer to the clock.
        using var timer = new PeriodicTimer(evaluator.Value.TickInterval, time);
        var last = DateTimeOffset.MinValue;
        do
        {
            var minute = SeriesObservations.Floor(time.GetUtcNow() - evaluator.Value.SettleDelay);
            if (minute <= last) continue;
            try
            {
                if (await CatchUpAsync(minute, stoppingToken) is [{ Busy: true }])
                {
                    // Another replica is evaluating this minute. It may die before it commits (its transaction then rolls
                    // back and the minute is not done), so try again next tick: the alert_evaluations row makes that a
                    // cheap no-op when it did commit, and this replica takes over within one tick when it did not.
                    continue;
                }
                last = minute;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An escaping exception would stop the host; the next tick tries the next minute.
                LogFailed(e, minute);
                last = minute;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Evaluates the window [<paramref name="minute"/> − Window, <paramref name="minute"/>) once across all replicas.</summary>
    internal async Task<AlertEvaluation> EvaluateAsync(DateTimeOffset minute, CancellationToken ct)
    {
        minute = SeriesObservations.Floor(minute);
        await using var connection = await store.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await TryLockAsync(connection, transaction, minute, ct)) return new AlertEvaluation(minute, true, 0, []) { Busy = true };
        var evaluation = await EvaluateLockedAsync(connection, transaction, minute, null, ct);
        await transaction.CommitAsync(ct);
        Report(evaluation);
        return evaluation;
    }

    /// <summary>
    /// Issue #19: evaluates, oldest first, the minutes of the last <see cref="AlertEvaluatorOptions.CatchUpWindow"/> that
    /// no replica evaluated, then <paramref name="minute"/>, in one transaction under the evaluation lock (one replica
    /// catches up; the others skip). Alerts of late minutes say so. Their notifications are settled at the end: an alert
    /// that fired during the gap and is still open pages once; one that fired and resolved within the gap pages nobody
    /// (one "missed" summary on the non-paging channels lists them); a repeat due in the gap is sent once; the resolve of
    /// an alert paged before the outage is sent, so its incident closes.
    /// </summary>
    internal async Task<IReadOnlyList<AlertEvaluation>> CatchUpAsync(DateTimeOffset minute, CancellationToken ct)
    {
        minute = SeriesObservations.Floor(minute);
        var window = evaluator.Value.CatchUpWindow;
        if (window <= TimeSpan.Zero) return [await EvaluateAsync(minute, ct)];

        await using var connection = await store.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await TryLockAsync(connection, transaction, minute, ct)) return [new AlertEvaluation(minute, true, 0, []) { Busy = true }];
        var missed = await AlertingStore.MissedMinutesAsync(connection, transaction, SeriesObservations.Floor(minute - window), minute, ct);

        var catchUp = missed.Count == 0 ? null : new CatchUp(minute, time.GetUtcNow());
        var evaluations = new List<AlertEvaluation>();
        foreach (var m in missed.Append(minute)) evaluations.Add(await EvaluateLockedAsync(connection, transaction, m, catchUp, ct));
        if (catchUp is not null)
        {
            await SettleAsync(connection, transaction, catchUp, missed[0], ct);
            LogCaughtUp(missed.Count, missed[0], missed[^1]);
        }
        await transaction.CommitAsync(ct);
        foreach (var evaluation in evaluations) Report(evaluation);
        return evaluations;
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset minute, CancellationToken ct)
    {
        if (await AlertingStore.TryLockEvaluationAsync(connection, transaction, ct)) return true;
        LogSkipped(minute, "another replica is evaluating");
        return false;
    }

    /// <summary>One minute inside the caller's transaction and lock. With <paramref name="catchUp"/>, notifications wait for its settlement.</summary>
    private async Task<AlertEvaluation> EvaluateLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset minute,
        CatchUp? catchUp, CancellationToken ct)
    {
        var options = detector.Value;
        if (!await AlertingStore.ClaimMinuteAsync(connection, transaction, minute, time.GetUtcNow(), ct))
        {
            LogSkipped(minute, "already evaluated");
            return new AlertEvaluation(minute, true, 0, []);
        }

        var open = await AlertingStore.OpenAlertsAsync(connection, transaction, ct);
        var (seriesCount, steps) = await DetectorStep.RunAsync(connection, transaction, minute, options,
            open.ToDictionary(e => e.Key, e => e.Value.State), ct);

        var decisions = new List<AlertDecision>();
        foreach (var (observation, evaluated) in steps)
        {
            var decision = evaluated;
            if (catchUp is not null && minute < catchUp.Latest && decision.State!.EvaluatedLateAt is null)
            {
                var late = decision.State with { EvaluatedLateAt = catchUp.EvaluatedAt };
                decision = decision with { State = late, Summary = AlertSummary.Build(observation, late, decision.Assessment) };
            }
            long? id = open.TryGetValue(decision.State!.Series, out var current) ? current.Id : null;
            var row = await AlertingStore.SaveAsync(connection, transaction, id, observation, decision, ct);
            if (catchUp is not null) catchUp.Record(row, decision);
            else if (decision.Notify) await EnqueueAsync(connection, transaction, row, decision.Transition, ct);
            decisions.Add(decision);
        }

        var transitions = decisions.Count(d => d.Transition is not (AlertTransition.StillPending or AlertTransition.StillFiring or AlertTransition.StillSuspicious));
        await AlertingStore.FinishMinuteAsync(connection, transaction, minute, seriesCount, transitions, ct);
        return new AlertEvaluation(minute, false, seriesCount, decisions);
    }

    private void Report(AlertEvaluation evaluation)
    {
        if (evaluation.Skipped) return;
        ReportApiTelemetry.AlertsEvaluated();
        foreach (var decision in evaluation.Decisions.Where(d => d.Transition is not (AlertTransition.StillPending or AlertTransition.StillFiring or AlertTransition.StillSuspicious)))
        {
            ReportApiTelemetry.AlertTransition(decision.Transition);
            LogTransition(evaluation.Minute, decision.State!.Series.ToString(), decision.Transition, decision.Summary?.Headline);
        }
    }

    /// <summary>What a catch-up did to each alert, settled into notifications when it ends.</summary>
    private sealed class CatchUp(DateTimeOffset latest, DateTimeOffset evaluatedAt)
    {
        public DateTimeOffset Latest { get; } = latest;

        public DateTimeOffset EvaluatedAt { get; } = evaluatedAt;

        public Dictionary<long, (Alert Row, bool Fired, bool Repeated, bool Resolved)> Alerts { get; } = [];

        public void Record(Alert row, AlertDecision decision)
        {
            var (_, fired, repeated, resolved) = Alerts.GetValueOrDefault(row.Id);
            Alerts[row.Id] = (row, fired || decision.Transition == AlertTransition.Fire, repeated || decision.Transition == AlertTransition.Repeat,
                resolved || (decision.Transition == AlertTransition.Resolve && decision.Notify));
        }
    }

    private async Task SettleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CatchUp catchUp, DateTimeOffset firstMissed,
        CancellationToken ct)
    {
        var missed = new List<Alert>();
        foreach (var (row, fired, repeated, resolved) in catchUp.Alerts.Values.OrderBy(a => a.Row.Id))
        {
            var open = row.Status is "firing" or "acknowledged";
            if (fired && open) await EnqueueAsync(connection, transaction, row, AlertTransition.Fire, ct);
            else if (fired) missed.Add(row);
            else if (resolved) await EnqueueAsync(connection, transaction, row, AlertTransition.Resolve, ct);
            else if (repeated && open) await EnqueueAsync(connection, transaction, row, AlertTransition.Repeat, ct);
        }
        var channels = notifications.Value.Channels.Where(c => c != NotificationChannel.PagerDuty).ToArray();
        if (missed.Count == 0 || channels.Length == 0) return;

        // One message, not a page: these incidents are over. It rides on the first one's alert (the outbox needs an alert).
        var first = missed[0];
        var headline = $"Missed while the evaluator was down ({firstMissed.UtcDateTime:yyyy-MM-dd HH:mm}–{catchUp.Latest.UtcDateTime:HH:mm} UTC): "
            + $"{missed.Count} alert{(missed.Count == 1 ? "" : "s")} fired and resolved: " + string.Join("; ", missed.Select(a => a.SeriesKey));
        var text = string.Join("\n", missed.Select(a => $"{a.SeriesKey}: fired {a.FiredAt:HH:mm}, resolved {a.ResolvedAt:HH:mm} UTC, peak {a.PeakDevices} devices. {a.Headline}"));
        var notification = AlertNotification.From(AlertNotification.Missed, first with { Headline = headline, Summary = text }, notifications.Value);
        await NotificationsStore.EnqueueAsync(connection, transaction, new OutboxMessage(first.Id, channels, AlertNotification.Missed, notification.Payload()), ct);
    }

    private async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Alert alert, AlertTransition transition,
        CancellationToken ct)
    {
        var channels = notifications.Value.Channels;
        if (channels.Count == 0) return;
        var @event = transition switch
        {
            AlertTransition.Fire => AlertNotification.Trigger,
            AlertTransition.Repeat => AlertNotification.Repeat,
            _ => AlertNotification.Resolve,
        };
        var payload = AlertNotification.From(@event, alert, notifications.Value).Payload();
        await NotificationsStore.EnqueueAsync(connection, transaction, new OutboxMessage(alert.Id, channels, @event, payload), ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Transition} {Series} at {Minute}: {Headline}")]
    private partial void LogTransition(DateTimeOffset minute, string series, AlertTransition transition, string? headline);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert evaluation of {Minute} skipped: {Reason}")]
    private partial void LogSkipped(DateTimeOffset minute, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert evaluation caught up on {Count} missed minutes from {First} to {Last}")]
    private partial void LogCaughtUp(int count, DateTimeOffset first, DateTimeOffset last);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert evaluation of {Minute} failed")]
    private partial void LogFailed(Exception exception, DateTimeOffset minute);
}
