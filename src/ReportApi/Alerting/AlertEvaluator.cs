using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
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
    NpgsqlDataSource dataSource,
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
        await using var connection = await dataSource.OpenConnectionAsync(ct);
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

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await TryLockAsync(connection, transaction, minute, ct)) return [new AlertEvaluation(minute, true, 0, []) { Busy = true }];
        var missed = new List<DateTimeOffset>();
        await using (var command = new NpgsqlCommand(AlertingSql.MissedMinutes, connection, transaction))
        {
            command.Parameters.Add(Time(SeriesObservations.Floor(minute - window)));
            command.Parameters.Add(Time(minute));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) missed.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

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
        await DetectorStep.DisableJitAsync(connection, transaction, ct);
        await using var lockCommand = new NpgsqlCommand(AlertingSql.TryLock, connection, transaction);
        lockCommand.Parameters.Add(new() { Value = AlertingSql.EvaluationLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (await lockCommand.ExecuteScalarAsync(ct) is true) return true;
        LogSkipped(minute, "another replica is evaluating");
        return false;
    }

    /// <summary>One minute inside the caller's transaction and lock. With <paramref name="catchUp"/>, notifications wait for its settlement.</summary>
    private async Task<AlertEvaluation> EvaluateLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset minute,
        CatchUp? catchUp, CancellationToken ct)
    {
        var options = detector.Value;
        await using (var claim = new NpgsqlCommand(AlertingSql.ClaimMinute, connection, transaction))
        {
            claim.Parameters.Add(Time(minute));
            claim.Parameters.Add(Time(time.GetUtcNow()));
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
            {
                LogSkipped(minute, "already evaluated");
                return new AlertEvaluation(minute, true, 0, []);
            }
        }

        var open = await OpenAlertsAsync(connection, transaction, ct);
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
            var row = await SaveAsync(connection, transaction, id, observation, decision, ct);
            if (catchUp is not null) catchUp.Record(row, decision);
            else if (decision.Notify) await EnqueueAsync(connection, transaction, row, decision.Transition, ct);
            decisions.Add(decision);
        }

        var transitions = decisions.Count(d => d.Transition is not (AlertTransition.StillPending or AlertTransition.StillFiring or AlertTransition.StillSuspicious));
        await using (var finish = new NpgsqlCommand(AlertingSql.FinishMinute, connection, transaction))
        {
            finish.Parameters.Add(Time(minute));
            finish.Parameters.Add(new() { Value = seriesCount, NpgsqlDbType = NpgsqlDbType.Integer });
            finish.Parameters.Add(new() { Value = transitions, NpgsqlDbType = NpgsqlDbType.Integer });
            await finish.ExecuteNonQueryAsync(ct);
        }
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

        public Dictionary<long, (AlertRow Row, bool Fired, bool Repeated, bool Resolved)> Alerts { get; } = [];

        public void Record(AlertRow row, AlertDecision decision)
        {
            var (_, fired, repeated, resolved) = Alerts.GetValueOrDefault(row.Id);
            Alerts[row.Id] = (row, fired || decision.Transition == AlertTransition.Fire, repeated || decision.Transition == AlertTransition.Repeat,
                resolved || (decision.Transition == AlertTransition.Resolve && decision.Notify));
        }
    }

    private async Task SettleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CatchUp catchUp, DateTimeOffset firstMissed,
        CancellationToken ct)
    {
        var missed = new List<AlertRow>();
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
        await EnqueueAsync(connection, transaction, first.Id, channels, AlertNotification.Missed, notification, ct);
    }

    private static async Task<Dictionary<SeriesKey, (long Id, AlertState State)>> OpenAlertsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var open = new Dictionary<SeriesKey, (long, AlertState)>();
        await using var command = new NpgsqlCommand(AlertingSql.OpenAlerts, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var state = AlertJson.State(reader.GetString(1));
            open[state.Series] = (reader.GetInt64(0), state);
        }
        return open;
    }

    private static async Task<AlertRow> SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long? id,
        SeriesObservation observation, AlertDecision decision, CancellationToken ct)
    {
        var state = decision.State!;
        var summary = decision.Summary!;
        var chain = observation.TopChain is { } c
            ? new ChainInfo(c.Role.ToString().ToLowerInvariant(), c.Subject, c.Issuer, c.SpkiSha256, c.Devices)
            : null;
        var versions = observation.TopVersions is { Count: > 0 } v
            ? v.Select(x => new VersionInfo(x.App, x.Version, x.Devices, x.ActiveDevices, x.Share is { } s ? Math.Round(s, 6) : null)).ToList()
            : null;

        // An insert sends the id parameter too (unused), so both statements share one parameter list.
        await using var command = new NpgsqlCommand(id is null ? AlertingSql.InsertAlert : AlertingSql.UpdateAlert, connection, transaction);
        command.Parameters.Add(new() { Value = id ?? 0L, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(Text(Status(state.Status)));
        command.Parameters.Add(Time(state.FiredAt));
        command.Parameters.Add(Time(state.AcknowledgedAt));
        command.Parameters.Add(Time(state.ResolvedAt));
        command.Parameters.Add(Time(state.LastEvaluatedAt));
        command.Parameters.Add(new() { Value = observation.WindowDevices, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = state.PeakDevices, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = state.BaselineMedian, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new() { Value = (object?)observation.ActiveDevices ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(Text(AlertJson.Serialize(state)));
        command.Parameters.Add(Text(summary.Headline));
        command.Parameters.Add(Text(summary.Text));
        command.Parameters.Add(Text(summary.Action));
        command.Parameters.Add(Text(AlertJson.Mix(observation.DiagnosisMix) is { } mix ? AlertJson.Serialize(mix) : null));
        command.Parameters.Add(Text(chain is null ? null : AlertJson.Serialize(chain)));
        command.Parameters.Add(Text(versions is null ? null : AlertJson.Serialize(versions)));
        command.Parameters.Add(new() { Value = (object?)observation.WindowNetworks ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        if (id is null)
        {
            var series = state.Series;
            command.Parameters.Add(Text(series.ToString()));
            command.Parameters.Add(Text(Level(series.Level)));
            command.Parameters.Add(Text(series.App));
            command.Parameters.Add(Text(series.Version));
            command.Parameters.Add(Text(series.NotedHostname));
            command.Parameters.Add(Time(state.OpenedAt));
        }
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"Alert {id} of {state.Series} was not saved (fields {reader.FieldCount}, rows {reader.RecordsAffected}).");
        return AlertRow.Read(reader);
    }

    private async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AlertRow alert, AlertTransition transition,
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
        await EnqueueAsync(connection, transaction, alert.Id, [.. channels], @event, AlertNotification.From(@event, alert, notifications.Value), ct);
    }

    private static async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long alertId, string[] channels, string @event,
        AlertNotification notification, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(NotificationsSql.Enqueue, connection, transaction);
        command.Parameters.Add(new() { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = channels, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(Text(@event));
        command.Parameters.Add(Text(NotificationJson.Serialize(notification)));
        await command.ExecuteNonQueryAsync(ct);
    }

    public static string Status(AlertStatus status) => status.ToString().ToLowerInvariant();

    public static string Level(SeriesLevel level) => level switch
    {
        SeriesLevel.Host => "host",
        SeriesLevel.Version => "version",
        _ => "version-host",
    };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Transition} {Series} at {Minute}: {Headline}")]
    private partial void LogTransition(DateTimeOffset minute, string series, AlertTransition transition, string? headline);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert evaluation of {Minute} skipped: {Reason}")]
    private partial void LogSkipped(DateTimeOffset minute, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert evaluation caught up on {Count} missed minutes from {First} to {Last}")]
    private partial void LogCaughtUp(int count, DateTimeOffset first, DateTimeOffset last);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert evaluation of {Minute} failed")]
    private partial void LogFailed(Exception exception, DateTimeOffset minute);
}
