using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Data;

/// <summary>
/// Hourly housekeeping: partitions ahead of time, retention (dropping whole expired partitions) and pruning of
/// expired dedup keys. Both are idempotent, so
/// replicas running it concurrently are harmless.
/// </summary>
internal sealed class MaintenanceService(
    PartitionMaintenance partitions, NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, IOptions<RetentionOptions> retention,
    TimeProvider time, ILogger<MaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await partitions.EnsureAheadAsync(options.Value.PartitionDaysAhead, stoppingToken);
                if (retention.Value.Days > 0)
                {
                    var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
                    await partitions.DropBeforeAsync(today.AddDays(-retention.Value.Days), stoppingToken);
                    await using var prune = dataSource.CreateCommand(Ingestion.IngestSql.PruneSeries);
                    prune.Parameters.Add(new NpgsqlParameter { Value = today.AddDays(-retention.Value.Days).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                    logger.LogDebug("Dropped {Count} series without a report in the retention window", await prune.ExecuteNonQueryAsync(stoppingToken));
                }
                await using var command = dataSource.CreateCommand(PartitionSql.PruneDedup);
                var pruned = await command.ExecuteNonQueryAsync(stoppingToken);
                logger.LogDebug("Pruned {Count} expired dedup keys", pruned);
                ReportApi.Observability.ReportApiTelemetry.MaintenanceSucceeded(time.GetUtcNow());
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database may be down; ingestion reports that with 503s. Try again next tick.
                logger.LogWarning(e, "Database maintenance failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
