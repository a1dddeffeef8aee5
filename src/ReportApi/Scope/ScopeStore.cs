using Npgsql;
using NpgsqlTypes;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Scope;

/// <summary>The out-of-scope tally in <c>scope_rejections</c> (<see cref="ScopeSql"/>): flushed by this replica, listed by the API.</summary>
internal sealed class ScopeStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds a drained batch of counts (at most <paramref name="maxRows"/> distinct rows in the table) and prunes rows last seen before <paramref name="pruneBefore"/>.</summary>
    public async Task FlushAsync(IReadOnlyList<ScopeRejection> batch, int maxRows, DateTimeOffset pruneBefore, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var command = new NpgsqlCommand(ScopeSql.Flush, connection))
        {
            command.Parameters
                .Arg(batch.Select(e => e.App).ToArray())
                .Arg(batch.Select(e => e.Platform).ToArray())
                .Arg(batch.Select(e => e.Hostname).ToArray())
                .Arg(batch.Select(e => e.Reason).ToArray())
                .Arg(batch.Select(e => e.Reports).ToArray())
                .Arg(batch.Select(e => e.FirstSeen.ToUniversalTime()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
                .Arg(batch.Select(e => e.LastSeen.ToUniversalTime()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
                .Arg(maxRows);
            await command.ExecuteNonQueryAsync(ct);
        }
        await using var prune = new NpgsqlCommand(ScopeSql.Prune, connection);
        prune.Parameters.Arg(pruneBefore);
        await prune.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The most recently seen rows, at most <paramref name="limit"/>.</summary>
    public async Task<List<ScopeRejection>> ListAsync(int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ScopeSql.List);
        command.Parameters.Arg(limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<ScopeRejection>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ScopeRejection(reader.Get<string>("app"), reader.Get<string>("platform"), reader.Get<string>("hostname"),
                reader.Get<string>("reason"), reader.Get<long>("reports"), reader.Get<DateTimeOffset>("first_seen_at"),
                reader.Get<DateTimeOffset>("last_seen_at")));
        }
        return rows;
    }
}
