using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Advisory;

/// <summary>A recorded chain. <see cref="Kind"/>: <c>live</c> or <c>planned</c> (then <see cref="EffectiveFrom"/> is set).</summary>
public sealed record HostChain(
    string Hostname, string Kind, DateOnly? EffectiveFrom, string Pem, string Fingerprint, string[] Keys, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>One history entry. <see cref="Action"/>: <c>recorded</c>, <c>withdrawn</c> (DELETE) or <c>fulfilled</c> (the live chain became the planned one).</summary>
public sealed record HostChainEvent(string Kind, string Action, DateOnly? EffectiveFrom, string? Fingerprint, string By, DateTimeOffset At);

/// <summary>Reads and writes of <c>host_chains</c> and <c>host_chain_history</c>; all SQL is in <see cref="AdvisorySql"/>.</summary>
public sealed class HostChainStore(NpgsqlDataSource dataSource)
{
    public const string Live = "live";
    public const string Planned = "planned";

    /// <summary>Replaces the host's chain of this kind and appends the history entry, in one transaction.</summary>
    public async Task RecordAsync(HostChain chain, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(AdvisorySql.Record, connection, transaction))
        {
            command.Parameters.Add(Text(chain.Hostname));
            command.Parameters.Add(Text(chain.Kind));
            command.Parameters.Add(new() { Value = chain.EffectiveFrom is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
            command.Parameters.Add(Text(chain.Pem));
            command.Parameters.Add(Text(chain.Fingerprint));
            command.Parameters.Add(new() { Value = chain.Keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(Text(chain.RecordedBy));
            command.Parameters.Add(new() { Value = chain.RecordedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await command.ExecuteNonQueryAsync(ct);
        }
        if (chain.Kind == Live)
        {
            await using var command = new NpgsqlCommand(AdvisorySql.FulfilPlan, connection, transaction);
            command.Parameters.Add(Text(chain.Hostname));
            command.Parameters.Add(Text(chain.Fingerprint));
            command.Parameters.Add(Text(chain.RecordedBy));
            command.Parameters.Add(new() { Value = chain.RecordedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>False when the host had no plan.</summary>
    public async Task<bool> WithdrawPlanAsync(string hostname, string by, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AdvisorySql.Withdraw);
        command.Parameters.Add(Text(hostname));
        command.Parameters.Add(Text(by));
        command.Parameters.Add(new() { Value = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<IReadOnlyList<HostChain>> ChainsAsync(string? hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(hostname is null ? AdvisorySql.AllChains : AdvisorySql.HostChains);
        if (hostname is not null) command.Parameters.Add(Text(hostname));
        var chains = new List<HostChain>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            chains.Add(new HostChain(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<string[]>(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return chains;
    }

    public async Task<IReadOnlyList<HostChainEvent>> HistoryAsync(string hostname, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AdvisorySql.History);
        command.Parameters.Add(Text(hostname));
        command.Parameters.Add(new() { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var events = new List<HostChainEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new HostChainEvent(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateOnly>(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return events;
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };
}
