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
                await EvaluateAsync(minute, stoppingToken);
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
        var options = detector.Value;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using (var lockCommand = new NpgsqlCommand(AlertingSql.TryLock, connection, transaction))
        {
            lockCommand.Parameters.Add(new() { Value = AlertingSql.EvaluationLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
            if (await lockCommand.ExecuteScalarAsync(ct) is not true)
            {
                LogSkipped(minute, "another replica is evaluating");
                return new AlertEvaluation(minute, true, 0, []);
            }
        }
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
        foreach (var (observation, decision) in steps)
        {
            long? id = open.TryGetValue(decision.State!.Series, out var current) ? current.Id : null;
            var row = await SaveAsync(connection, transaction, id, observation, decision, ct);
            if (decision.Notify) await EnqueueAsync(connection, transaction, row, decision.Transition, ct);
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
        await transaction.CommitAsync(ct);

        ReportApiTelemetry.AlertsEvaluated();
        foreach (var decision in decisions.Where(d => d.Transition is not (AlertTransition.StillPending or AlertTransition.StillFiring or AlertTransition.StillSuspicious)))
        {
            ReportApiTelemetry.AlertTransition(decision.Transition);
            LogTransition(minute, decision.State!.Series.ToString(), decision.Transition, decision.Summary?.Headline);
        }
        return new AlertEvaluation(minute, false, seriesCount, decisions);
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
        await using var command = new NpgsqlCommand(NotificationsSql.Enqueue, connection, transaction);
        command.Parameters.Add(new() { Value = alert.Id, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = channels.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(Text(@event));
        command.Parameters.Add(Text(NotificationJson.Serialize(AlertNotification.From(@event, alert, notifications.Value))));
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert evaluation of {Minute} failed")]
    private partial void LogFailed(Exception exception, DateTimeOffset minute);
}
