using Npgsql;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Stats;

/// <summary>
/// The stats feature's database access; all SQL is in <see cref="StatsSql"/>. Failure counts are read on the read
/// route (a standby when one is configured, <see cref="Data.ReadRoute"/>), denominators written to the primary.
/// </summary>
internal sealed class StatsStore(NpgsqlDataSource primary, [FromKeyedServices(Data.ReadRoute.Key)] NpgsqlDataSource read)
{
    /// <summary>The answer of one validated query, handed to <paramref name="sink"/> as it is read (<see cref="FailureStatsReader"/>).</summary>
    public Task ReadFailuresAsync(StatsRequest request, IFailureStatsSink sink, CancellationToken ct) =>
        FailureStatsReader.ReadAsync(read, request, sink, ct);

    /// <summary>Upserts the active-device denominators, one row per key (an upsert cannot touch a row twice in one statement).</summary>
    public async Task UpsertActivityAsync(IReadOnlyList<ActivityRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = primary.CreateCommand(StatsSql.UpsertActivity);
        command.Parameters
            .Arg(rows.Select(r => r.App).ToArray())
            .Arg(rows.Select(r => r.Version).ToArray())
            .Arg(rows.Select(r => r.Platform).ToArray())
            .Arg(rows.Select(r => r.Day).ToArray())
            .Arg(rows.Select(r => r.ActiveDevices).ToArray())
            .Arg(now);
        await command.ExecuteNonQueryAsync(ct);
    }
}
