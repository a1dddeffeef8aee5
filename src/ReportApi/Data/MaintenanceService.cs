using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Data;

/// <summary>
/// Every <c>Database:MaintenanceInterval</c> (hourly): partitions ahead of time, retention (dropping whole expired
/// partitions) and pruning of expired dedup keys and series. Each step is idempotent, but two replicas running them at
/// once collide (both list the same expired partition, one DROP fails and the rest of its run is skipped; CREATE and
/// DROP on the same parent can deadlock), so one replica at a time runs it, under a session-level advisory lock: the
/// others skip the tick, and a replica that dies releases the lock with its connection, so the next tick of a survivor
/// takes over.
/// </summary>
internal sealed class MaintenanceService(
    PartitionMaintenance partitions, NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, IOptions<RetentionOptions> retention,
    TimeProvider time, ILogger<MaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.MaintenanceInterval;
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                if (!await PartitionMaintenance.LockAsync(connection, PartitionSql.TryMaintenanceLock, stoppingToken))
                {
                    logger.LogDebug("Database maintenance skipped: another replica holds the lock");
                    continue;
                }
                try
                {
                    await RunAsync(stoppingToken);
                }
                finally
                {
                    // A broken connection released the lock with its session; only unlock a live one.
                    if (connection.State == System.Data.ConnectionState.Open) await PartitionMaintenance.LockAsync(connection, PartitionSql.MaintenanceUnlock, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database may be down; ingestion reports that with 503s. Try again next tick.
                logger.LogWarning(e, "Database maintenance failed; retrying in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await partitions.EnsureAheadAsync(options.Value.PartitionDaysAhead, stoppingToken);
        if (retention.Value.Days > 0)
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            await partitions.DropBeforeAsync(today.AddDays(-retention.Value.Days), stoppingToken);
            var pruneBefore = new DateTimeOffset(today.AddDays(-retention.Value.Days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            logger.LogDebug("Dropped {Count} series without a report in the retention window", await partitions.PruneSeriesAsync(pruneBefore, stoppingToken));
        }
        var pruned = await partitions.PruneDedupAsync(stoppingToken);
        logger.LogDebug("Pruned {Count} expired dedup keys", pruned);
        ReportApi.Observability.ReportApiTelemetry.MaintenanceSucceeded(time.GetUtcNow());
    }
}
