using Npgsql;

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
            await using var command = new NpgsqlCommand(PartitionSql.CreateDay(day), connection);
            try
            {
                await command.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
            {
                // Two replicas creating the same partition at once: the other one won, which is all we need.
            }
        }
        logger.LogDebug("Report partitions ensured from {From} through {Through}", from, through);
    }
}
