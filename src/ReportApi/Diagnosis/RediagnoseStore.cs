using Npgsql;
using NpgsqlTypes;
using ReportApi.Infrastructure.Sql;
using ReportApi.Rollups;

namespace ReportApi.Diagnosis;

/// <summary>Where a rediagnose run is (its cursor and totals in <c>rediagnose_runs</c>).</summary>
internal sealed record RediagnoseCursor(DateTimeOffset ReceivedAt, Guid Id, long Processed, long Changed);

/// <summary>The rediagnose run's rows and each batch's transaction (<see cref="RediagnoseSql"/>).</summary>
internal sealed class RediagnoseStore(NpgsqlDataSource dataSource)
{
    /// <summary>Starts the run of this range, or resumes it after its last committed batch (unless it finished or a restart is asked).</summary>
    public async Task<RediagnoseCursor> StartAsync(RediagnoseRequest request, DateTimeOffset now, CancellationToken ct)
    {
        await using var start = dataSource.CreateCommand(RediagnoseSql.Start);
        start.Parameters.Arg(request.From).Arg(request.To).Arg(now).Arg(request.Restart);
        await using var reader = await start.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RediagnoseCursor(reader.Get<DateTimeOffset>("cursor_received_at"), reader.Get<Guid>("cursor_id"),
            reader.Get<long>("processed"), reader.Get<long>("changed"));
    }

    /// <summary>
    /// One batch, one transaction: the keys of its host chains, the reports whose code changed and their rollup counts,
    /// their backlog rows, and the run's cursor (<paramref name="cursor"/>: after the batch's last report). Returns how
    /// many reports changed and how many rollup moves that made.
    /// </summary>
    public async Task<(int Changed, int Moved)> ApplyAsync(
        RediagnoseRequest request, IReadOnlyList<StoredVerdict> items, NpgsqlBatchCommand? hostKeys, RediagnoseCursor cursor, bool last,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (hostKeys is not null)
        {
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { hostKeys } };
            await batch.ExecuteNonQueryAsync(ct);
        }

        int changed = 0, moved = 0;
        var differing = items.Where(i => i.Verdict.CodeWire != i.StoredCode).ToList();
        if (differing.Count > 0)
        {
            var (ids, at, previous) = await UpdateAsync(connection, transaction, differing, ct);
            moved = await RollupMove.MoveAsync(connection, transaction, ids, at, previous, ct);
            changed = ids.Length;
        }

        if (items.Count > 0)
        {
            await using var backlog = new NpgsqlCommand(RediagnoseSql.RemoveBacklog, connection, transaction);
            backlog.Parameters.Arg(items.Select(i => i.Id).ToArray());
            await backlog.ExecuteNonQueryAsync(ct);
        }

        await using (var advance = new NpgsqlCommand(RediagnoseSql.Advance, connection, transaction))
        {
            advance.Parameters.Arg(request.From).Arg(request.To).Arg(cursor.ReceivedAt).Arg(cursor.Id)
                .Arg((long)items.Count).Arg((long)changed).Arg(now).Arg(last);
            await advance.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (changed, moved);
    }

    private static async Task<(Guid[] Ids, DateTimeOffset[] At, string[] Previous)> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredVerdict> differing, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(RediagnoseSql.Update, connection, transaction);
        update.Parameters
            .Arg(differing.Select(i => i.Id).ToArray())
            .Arg(differing.Select(i => i.ReceivedAt.ToUniversalTime()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            .Arg(differing.Select(i => i.StoredCode).ToArray())
            .Arg(differing.Select(i => i.Verdict.CodeWire).ToArray());
        var ids = new List<Guid>();
        var at = new List<DateTimeOffset>();
        var previous = new List<string>();
        await using var reader = await update.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.Get<Guid>("id"));
            at.Add(reader.Get<DateTimeOffset>("received_at"));
            previous.Add(reader.Get<string>("previous"));
        }

        return ([.. ids], [.. at], [.. previous]);
    }
}
