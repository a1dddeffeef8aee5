using Npgsql;
using NpgsqlTypes;
using ReportApi.Infrastructure.Sql;
using ReportApi.Rollups;

namespace ReportApi.Ingestion;

/// <summary>The backlog of deferred diagnoses (<see cref="DeferredDiagnosisSql"/>): listed by the writer, worked off by <see cref="DeferredDiagnosisPass"/>.</summary>
internal sealed class DeferredDiagnosisStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The writer's side: lists a batch's deferred reports in the same transaction as the reports (the SQL keeps only
    /// those really stored; an acknowledged duplicate was not).
    /// </summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<WriteRequest> batch, DateTimeOffset now)
    {
        List<Guid>? ids = null;
        List<DateTimeOffset>? receivedAt = null;
        foreach (var request in batch)
        {
            foreach (var record in request.Records)
            {
                if (!record.DiagnosisDeferred) continue;
                (ids ??= []).Add(record.Id);
                (receivedAt ??= []).Add(record.ReceivedAt.ToUniversalTime());
            }
        }
        if (ids is null) return;

        await using var command = new NpgsqlCommand(DeferredDiagnosisSql.Record, connection, transaction);
        command.Parameters.Arg(ids.ToArray()).Arg(receivedAt!.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(now);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The oldest deferred reports, at most <paramref name="limit"/>; read without locking (the fill is idempotent).</summary>
    public async Task<List<(Guid Id, DateTimeOffset ReceivedAt)>> ClaimAsync(int limit, CancellationToken ct)
    {
        var claimed = new List<(Guid Id, DateTimeOffset ReceivedAt)>();
        await using var claim = dataSource.CreateCommand(DeferredDiagnosisSql.Claim);
        claim.Parameters.Arg(limit);
        await using var reader = await claim.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) claimed.Add((reader.Get<Guid>("report_id"), reader.Get<DateTimeOffset>("received_at")));
        return claimed;
    }

    /// <summary>
    /// One short transaction: sets the codes of the reports still marked <c>unknown</c>, moves their rollup counts out of
    /// <c>unknown</c>, and removes every claimed row from the backlog (also those whose report is gone).
    /// </summary>
    public async Task FillAsync(
        IReadOnlyList<Guid> ids, IReadOnlyList<DateTimeOffset> receivedAt, IReadOnlyList<string> codes, IEnumerable<Guid> claimed, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var filled = new List<(Guid Id, DateTimeOffset ReceivedAt)>();
        await using (var fill = new NpgsqlCommand(DeferredDiagnosisSql.Fill, connection, transaction))
        {
            fill.Parameters.Arg(ids.ToArray())
                .Arg(receivedAt.Select(at => at.ToUniversalTime()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
                .Arg(codes.ToArray());
            await using var reader = await fill.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) filled.Add((reader.Get<Guid>("id"), reader.Get<DateTimeOffset>("received_at")));
        }
        await RollupMove.MoveAsync(connection, transaction, [.. filled.Select(f => f.Id)], [.. filled.Select(f => f.ReceivedAt)],
            [.. filled.Select(_ => "unknown")], ct);
        await using (var remove = new NpgsqlCommand(DeferredDiagnosisSql.Remove, connection, transaction))
        {
            remove.Parameters.Arg(claimed.ToArray());
            await remove.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }
}
