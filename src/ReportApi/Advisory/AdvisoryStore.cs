using Npgsql;
using ReportApi.Domain.Reports;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Advisory;

/// <summary>A recorded chain. <see cref="Kind"/>: <see cref="Live"/> or <see cref="Planned"/> (then <see cref="EffectiveFrom"/> is set).</summary>
public sealed record HostChain(
    string Hostname, string Kind, DateOnly? EffectiveFrom, string Pem, string Fingerprint, string[] Keys, string RecordedBy, DateTimeOffset RecordedAt)
{
    public const string Live = "live";
    public const string Planned = "planned";
}

/// <summary>One history entry. <see cref="Action"/>: <c>recorded</c>, <c>withdrawn</c> (DELETE) or <c>fulfilled</c> (the live chain became the planned one).</summary>
public sealed record HostChainEvent(string Kind, string Action, DateOnly? EffectiveFrom, string? Fingerprint, string By, DateTimeOffset At);

/// <summary>
/// The advisory's database access; all SQL is in <see cref="AdvisorySql"/>: reads and writes of <c>host_chains</c> and
/// <c>host_chain_history</c>, and the inventory read the snapshot builds its answers from.
/// </summary>
public sealed class AdvisoryStore(NpgsqlDataSource dataSource)
{
    /// <summary>Replaces the host's chain of this kind and appends the history entry, in one transaction.</summary>
    public async Task RecordAsync(HostChain chain, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(AdvisorySql.Record, connection, transaction))
        {
            command.Parameters.Arg(chain.Hostname).Arg(chain.Kind).Arg(chain.EffectiveFrom).Arg(chain.Pem).Arg(chain.Fingerprint)
                .Arg(chain.Keys).Arg(chain.RecordedBy).Arg(chain.RecordedAt);
            await command.ExecuteNonQueryAsync(ct);
        }
        if (chain.Kind == HostChain.Live)
        {
            await using var command = new NpgsqlCommand(AdvisorySql.FulfilPlan, connection, transaction);
            command.Parameters.Arg(chain.Hostname).Arg(chain.Fingerprint).Arg(chain.RecordedBy).Arg(chain.RecordedAt);
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>False when the host had no plan.</summary>
    public async Task<bool> WithdrawPlanAsync(string hostname, string by, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AdvisorySql.Withdraw);
        command.Parameters.Arg(hostname).Arg(by).Arg(at);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<IReadOnlyList<HostChain>> ChainsAsync(string? hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(hostname is null ? AdvisorySql.AllChains : AdvisorySql.HostChains);
        if (hostname is not null) command.Parameters.Arg(hostname);
        var chains = new List<HostChain>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            chains.Add(new HostChain(reader.Get<string>("hostname"), reader.Get<string>("kind"), reader.GetNullable<DateOnly>("effective_from"),
                reader.Get<string>("pem"), reader.Get<string>("fingerprint"), reader.Get<string[]>("keys"), reader.Get<string>("recorded_by"),
                reader.Get<DateTimeOffset>("recorded_at")));
        }
        return chains;
    }

    public async Task<IReadOnlyList<HostChainEvent>> HistoryAsync(string hostname, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(AdvisorySql.History);
        command.Parameters.Arg(hostname).Arg(limit);
        var events = new List<HostChainEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            events.Add(new HostChainEvent(reader.Get<string>("kind"), reader.Get<string>("action"), reader.GetNullable<DateOnly>("effective_from"),
                reader.GetOrNull<string>("fingerprint"), reader.Get<string>("recorded_by"), reader.Get<DateTimeOffset>("recorded_at")));
        }
        return events;
    }

    /// <summary>Every configuration the inventory learned for <paramref name="apps"/>, platform by the one platform rule.</summary>
    public async Task<List<AdvisoryInventoryRow>> InventoryAsync(string[] apps, CancellationToken ct)
    {
        var rows = new List<AdvisoryInventoryRow>();
        if (apps.Length == 0) return rows;
        await using var command = dataSource.CreateCommand(AdvisorySql.Inventory);
        command.Parameters.Arg(apps);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new AdvisoryInventoryRow(reader.Get<string>("app_bundle_id"), reader.Get<string>("app_version"),
                Platforms.Normalise(reader.Get<string>("app_platform")), reader.Get<string>("noted_hostname"),
                reader.Get<bool>("include_subdomains"), reader.Get<bool>("enforce_pinning"),
                reader.GetNullable<DateOnly>("known_pins_expiration_date"), reader.Get<string[]>("sha256pins")));
        }
        return rows;
    }
}
