using Microsoft.Extensions.Options;
using Npgsql;
using ReportApi.Observability;

namespace ReportApi.Data;

/// <summary>
/// Measures the read route's replication lag every <c>Database:ReplicaLagInterval</c> for
/// <c>pinreports_replica_lag_seconds</c> (every replica measures its own route). A failed measurement sets it to NaN: a
/// stale "0" would hide a standby that is down (its queries answer 503, which the HTTP panels show). Stopping resets it
/// to 0, the value without a read replica.
/// </summary>
internal sealed partial class ReplicaLagMonitor(
    [FromKeyedServices(ReadRoute.Key)] NpgsqlDataSource readOnly, IOptions<DatabaseOptions> options, TimeProvider time,
    ILogger<ReplicaLagMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReplicaLagInterval, time);
        do
        {
            try
            {
                await using var command = readOnly.CreateCommand(ReplicaSql.Lag);
                ReportApiTelemetry.ReplicaLag(await command.ExecuteScalarAsync(stoppingToken) is double seconds ? seconds : null);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                ReportApiTelemetry.ReplicaLag(null);
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        ReportApiTelemetry.ReplicaLag(0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not measure the read replica's lag; retrying next interval")]
    private partial void LogFailed(Exception exception);
}
