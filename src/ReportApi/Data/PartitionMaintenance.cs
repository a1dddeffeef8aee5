using System.Globalization;
using Npgsql;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Data;

/// <summary>
/// Creates the daily partitions of <c>reports</c> ahead of time. The writer also calls it when an insert meets a
/// missing partition (a clock jump, or a service that was down across several midnights).
/// </summary>
public sealed class PartitionMaintenance(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PartitionMaintenance> logger)
{
    private DateOnly _ensuredThrough;

    public async Task EnsureAheadAsync(int daysAhead, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (_ensuredThrough >= today.AddDays(daysAhead)) return;
        await EnsureAsync(today.AddDays(-1), today.AddDays(daysAhead), ct);
        _ensuredThrough = today.AddDays(daysAhead);
    }

    public async Task EnsureAsync(DateOnly from, DateOnly through, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        for (var day = from; day <= through; day = day.AddDays(1))
        {
            foreach (var sql in PartitionSql.CreateDayStatements(day))
            {
                await using var command = new NpgsqlCommand(sql, connection);
                try
                {
                    await command.ExecuteNonQueryAsync(ct);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
                {
                    // Two replicas creating the same partition at once: the other one won, which is all we need.
                }
            }
        }
        logger.LogDebug("Report partitions ensured from {From} through {Through}", from, through);
    }

    /// <summary>Drops the daily partitions whose whole day lies before <paramref name="keepFrom"/>; returns their names.</summary>
    public async Task<IReadOnlyList<string>> DropBeforeAsync(DateOnly keepFrom, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var expired = new List<string>();
        // Reports and their rollups share the daily partitioning, so one retention drops both.
        foreach (var parent in PartitionSql.DailyTables)
        {
            var prefix = parent + "_p";
            await using var list = new NpgsqlCommand(PartitionSql.ListPartitions, connection);
            list.Parameters.Arg("parent", parent);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var name = reader.Get<string>("relname");
                // Only partitions this service named; anything else an operator attached is left alone.
                if (name.Length == prefix.Length + 8 && name.StartsWith(prefix, StringComparison.Ordinal)
                    && DateOnly.TryParseExact(name[prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                    && day < keepFrom)
                {
                    expired.Add(name);
                }
            }
        }
        foreach (var name in expired)
        {
            await using var drop = new NpgsqlCommand(PartitionSql.DropPartition, connection);
            drop.Parameters.Arg("name", name);
            await drop.ExecuteNonQueryAsync(ct);
            logger.LogInformation("Retention dropped partition {Partition}", name);
        }
        return expired;
    }

    /// <summary>The maintenance tick's session-level advisory lock (<see cref="PartitionSql.TryMaintenanceLock"/> or its unlock).</summary>
    public static async Task<bool> LockAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Arg(PartitionSql.MaintenanceLockKey);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// Deletes the series first seen before <paramref name="before"/> that have no rollup row left (<see cref="PartitionSql.PruneSeries"/>),
    /// then the alert evaluator's group names no series has (<see cref="PartitionSql.PruneBaselineGroups"/>) and its
    /// late-minute marks too old to matter (<see cref="PartitionSql.PruneAlertDirtyMinutes"/>).
    /// </summary>
    public async Task<int> PruneSeriesAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var prune = dataSource.CreateCommand(PartitionSql.PruneSeries);
        prune.Parameters.Arg(before);
        var pruned = await prune.ExecuteNonQueryAsync(ct);
        await using var groups = dataSource.CreateCommand(PartitionSql.PruneBaselineGroups);
        await groups.ExecuteNonQueryAsync(ct);
        await using var marks = dataSource.CreateCommand(PartitionSql.PruneAlertDirtyMinutes);
        await marks.ExecuteNonQueryAsync(ct);
        return pruned;
    }

    /// <summary>Deletes the dedup keys older than 24 hours.</summary>
    public async Task<int> PruneDedupAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PartitionSql.PruneDedup);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
