using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Rollups;

namespace ReportApi.Diagnosis;

/// <summary>
/// Re-runs the diagnosis over stored reports (after a rule change, or to apply a key history learned later), oldest
/// first, in batches. Each batch is one transaction: the reports whose code changed, their rollup counts
/// (<see cref="RollupMove"/>), the keys of their host chains (so the history also fills from reports stored before it
/// existed), and the run's cursor. Idempotent (a second run over the same data changes nothing) and resumable (an
/// interrupted run continues after its last committed batch).
/// </summary>
internal sealed class Rediagnoser(NpgsqlDataSource dataSource, IStoredVerdicts queries, HostKeyHistory history, TimeProvider time)
{
    public async Task<RediagnoseResult> RunAsync(RediagnoseRequest request, TextWriter progress, CancellationToken ct)
    {
        var hostKeys = new HostKeyRows();
        DateTimeOffset cursorAt;
        Guid cursorId;
        long processed, changed;
        await using (var start = dataSource.CreateCommand(RediagnoseSql.Start))
        {
            start.Parameters.Add(Parameter(request.From, NpgsqlDbType.TimestampTz));
            start.Parameters.Add(Parameter(request.To, NpgsqlDbType.TimestampTz));
            start.Parameters.Add(Parameter(time.GetUtcNow(), NpgsqlDbType.TimestampTz));
            start.Parameters.Add(Parameter(request.Restart, NpgsqlDbType.Boolean));
            await using var reader = await start.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            cursorAt = reader.GetFieldValue<DateTimeOffset>(0);
            cursorId = reader.GetGuid(1);
            processed = reader.GetInt64(2);
            changed = reader.GetInt64(3);
        }

        if (processed > 0)
        {
            await progress.WriteLineAsync(Invariant($"rediagnose: resuming after {processed} report(s) ({changed} changed), at {cursorAt:O}"));
        }

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var items = await queries.RangeAsync(request.From, request.To, cursorAt, cursorId, request.BatchSize, ct);
            var last = items.Count < request.BatchSize;
            var now = time.GetUtcNow();
            var moved = 0;
            var batchChanged = 0;

            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var keys = hostKeys.Collect(
                items.Select(i => new HostKeyRows.Seen(i.NotedHostname, i.Validated, i.Served, i.Verdict.HostChain, i.ReceivedAt)),
                now);
            if (keys is not null)
            {
                await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { keys.Command } };
                await batch.ExecuteNonQueryAsync(ct);
            }

            var differing = items.Where(i => i.Verdict.CodeWire != i.StoredCode).ToList();
            if (differing.Count > 0)
            {
                var (ids, at, previous) = await UpdateAsync(connection, transaction, differing, ct);
                moved = await RollupMove.MoveAsync(connection, transaction, ids, at, previous, ct);
                batchChanged = ids.Length;
                changed += batchChanged;
            }

            if (items.Count > 0)
            {
                await using var backlog = new NpgsqlCommand(RediagnoseSql.RemoveBacklog, connection, transaction);
                backlog.Parameters.Add(Parameter(items.Select(i => i.Id).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid));
                await backlog.ExecuteNonQueryAsync(ct);
                cursorAt = items[^1].ReceivedAt;
                cursorId = items[^1].Id;
                processed += items.Count;
            }

            await using (var advance = new NpgsqlCommand(RediagnoseSql.Advance, connection, transaction))
            {
                advance.Parameters.Add(Parameter(request.From, NpgsqlDbType.TimestampTz));
                advance.Parameters.Add(Parameter(request.To, NpgsqlDbType.TimestampTz));
                advance.Parameters.Add(Parameter(cursorAt, NpgsqlDbType.TimestampTz));
                advance.Parameters.Add(Parameter(cursorId, NpgsqlDbType.Uuid));
                advance.Parameters.Add(Parameter((long)items.Count, NpgsqlDbType.Bigint));
                advance.Parameters.Add(Parameter((long)batchChanged, NpgsqlDbType.Bigint));
                advance.Parameters.Add(Parameter(now, NpgsqlDbType.TimestampTz));
                advance.Parameters.Add(Parameter(last, NpgsqlDbType.Boolean));
                await advance.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            if (keys is not null) hostKeys.Committed(keys, now, history);
            if (items.Count > 0)
            {
                await progress.WriteLineAsync(Invariant(
                    $"rediagnose: {processed} report(s) diagnosed, {changed} changed ({moved} rollup move(s) in this batch), up to {cursorAt:O}"));
            }

            if (last) return new RediagnoseResult(processed, changed);
        }
    }

    private static async Task<(Guid[] Ids, DateTimeOffset[] At, string[] Previous)> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<StoredVerdict> differing, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(RediagnoseSql.Update, connection, transaction);
        update.Parameters.Add(Parameter(differing.Select(i => i.Id).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        update.Parameters.Add(Parameter(differing.Select(i => i.ReceivedAt).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz));
        update.Parameters.Add(Parameter(differing.Select(i => i.StoredCode).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
        update.Parameters.Add(Parameter(differing.Select(i => i.Verdict.CodeWire).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
        var ids = new List<Guid>();
        var at = new List<DateTimeOffset>();
        var previous = new List<string>();
        await using var reader = await update.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetGuid(0));
            at.Add(reader.GetFieldValue<DateTimeOffset>(1));
            previous.Add(reader.GetString(2));
        }

        return ([.. ids], [.. at], [.. previous]);
    }

    private static NpgsqlParameter Parameter(object value, NpgsqlDbType type) => new() { Value = value, NpgsqlDbType = type };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
