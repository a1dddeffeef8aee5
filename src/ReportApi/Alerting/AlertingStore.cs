using Npgsql;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Alerting;

/// <summary>
/// The alert tables (<see cref="AlertingSql"/>): the evaluator's minute claims and alert rows inside its transaction, and
/// the alerts API's reads and acknowledgement. Every alert row comes back as <see cref="Alert"/>.
/// </summary>
internal sealed class AlertingStore(NpgsqlDataSource dataSource)
{
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) => dataSource.OpenConnectionAsync(ct);

    /// <summary>Turns JIT off for the transaction (<see cref="AlertingSql.DisableJit"/>) and takes the evaluation lock if no other replica holds it.</summary>
    public static async Task<bool> TryLockEvaluationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await DisableJitAsync(connection, transaction, ct);
        await using var command = new NpgsqlCommand(AlertingSql.TryLock, connection, transaction);
        command.Parameters.Arg(AlertingSql.EvaluationLockKey);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    public static async Task DisableJitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(AlertingSql.DisableJit, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>False when the minute was already evaluated (by this or another replica).</summary>
    public static async Task<bool> ClaimMinuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset minute,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(AlertingSql.ClaimMinute, connection, transaction);
        command.Parameters.Arg(minute).Arg(now);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    public static async Task FinishMinuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset minute, int seriesCount,
        int transitions, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(AlertingSql.FinishMinute, connection, transaction);
        command.Parameters.Arg(minute).Arg(seriesCount).Arg(transitions);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Minutes in [<paramref name="from"/>, <paramref name="to"/>) nobody evaluated, oldest first (<see cref="AlertingSql.MissedMinutes"/>).</summary>
    public static async Task<List<DateTimeOffset>> MissedMinutesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var missed = new List<DateTimeOffset>();
        await using var command = new NpgsqlCommand(AlertingSql.MissedMinutes, connection, transaction);
        command.Parameters.Arg(from).Arg(to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) missed.Add(reader.Get<DateTimeOffset>("minute"));
        return missed;
    }

    /// <summary>The open alerts' ids and states, locked for the transaction (<see cref="AlertingSql.OpenAlerts"/>).</summary>
    public static async Task<Dictionary<SeriesKey, (long Id, AlertState State)>> OpenAlertsAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        var open = new Dictionary<SeriesKey, (long, AlertState)>();
        await using var command = new NpgsqlCommand(AlertingSql.OpenAlerts, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var state = AlertJson.State(reader.Get<string>("state"));
            open[state.Series] = (reader.Get<long>("id"), state);
        }
        return open;
    }

    /// <summary>Inserts (no <paramref name="id"/>) or updates the alert of a decision and reads it back.</summary>
    public static async Task<Alert> SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long? id,
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
        command.Parameters.Arg(id ?? 0L).Arg(Status(state.Status)).Arg(state.FiredAt).Arg(state.AcknowledgedAt).Arg(state.ResolvedAt)
            .Arg(state.LastEvaluatedAt).Arg(observation.WindowDevices).Arg(state.PeakDevices).Arg(state.BaselineMedian).Arg(observation.ActiveDevices)
            .Arg(AlertJson.Serialize(state)).Arg(summary.Headline).Arg(summary.Text).Arg(summary.Action)
            .Arg(AlertJson.Mix(observation.DiagnosisMix) is { } mix ? AlertJson.Serialize(mix) : null)
            .Arg(chain is null ? null : AlertJson.Serialize(chain))
            .Arg(versions is null ? null : AlertJson.Serialize(versions))
            .Arg(observation.WindowNetworks);
        if (id is null)
        {
            var series = state.Series;
            command.Parameters.Arg(series.ToString()).Arg(Level(series.Level)).Arg(series.App).Arg(series.Version).Arg(series.NotedHostname)
                .Arg(state.OpenedAt);
        }
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"Alert {id} of {state.Series} was not saved (fields {reader.FieldCount}, rows {reader.RecordsAffected}).");
        return Alert.Read(reader);
    }

    /// <summary>Newest first, at most <paramref name="limit"/>, of a <see cref="AlertingSql.ListAlerts"/> state.</summary>
    public async Task<List<Alert>> ListAsync(string state, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AlertingSql.ListAlerts);
        command.Parameters.Arg(state).Arg(limit);
        var alerts = new List<Alert>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) alerts.Add(Alert.Read(reader));
        return alerts;
    }

    /// <summary>One alert by id, hidden ones included; null when there is none.</summary>
    public async Task<Alert?> GetAsync(long id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AlertingSql.GetAlert);
        command.Parameters.Arg(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Alert.Read(reader) : null;
    }

    /// <summary>
    /// Acknowledges alert <paramref name="id"/> in one transaction that locks the row, so an evaluation in progress finishes
    /// first and the next one reads the acknowledged state: neither overwrites the other. Null when there is no such (listed)
    /// alert; otherwise the outcome, the state it was judged on, and the alert as it now is (unchanged unless acknowledged:
    /// acknowledging twice keeps the first time and who).
    /// </summary>
    public async Task<(AcknowledgeOutcome Outcome, AlertState State, Alert? Alert)?> AcknowledgeAsync(long id, string by, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        AlertState state;
        await using (var select = new NpgsqlCommand(AlertingSql.LockAlert, connection, transaction))
        {
            select.Parameters.Arg(id);
            if (await select.ExecuteScalarAsync(ct) is not string json) return null;
            state = AlertJson.State(json);
        }

        var (outcome, acknowledged) = AlertAcknowledgement.Acknowledge(state, now);
        if (outcome == AcknowledgeOutcome.NotFiring) return (outcome, state, null);

        await using var command = outcome == AcknowledgeOutcome.Acknowledged
            ? new NpgsqlCommand(AlertingSql.Acknowledge, connection, transaction)
            : new NpgsqlCommand(AlertingSql.GetAlert, connection, transaction);
        command.Parameters.Arg(id);
        if (outcome == AcknowledgeOutcome.Acknowledged) command.Parameters.Arg(acknowledged.AcknowledgedAt!.Value).Arg(by).Arg(AlertJson.Serialize(acknowledged));
        Alert alert;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            alert = Alert.Read(reader);
        }
        await transaction.CommitAsync(ct);
        return (outcome, state, alert);
    }

    public static string Status(AlertStatus status) => status.ToString().ToLowerInvariant();

    public static string Level(SeriesLevel level) => level switch
    {
        SeriesLevel.Host => "host",
        SeriesLevel.Version => "version",
        _ => "version-host",
    };
}
