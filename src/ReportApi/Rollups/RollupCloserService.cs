using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Rollups;

/// <summary>Every <c>Rollups:CloseInterval</c>, closes what can be closed (one replica at a time: the others skip).</summary>
internal sealed partial class RollupCloserService(
    RollupCloser closer, IOptions<RollupsOptions> options, TimeProvider time, ILogger<RollupCloserService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CloseInterval, time);
        do
        {
            try
            {
                await closer.CloseAsync(wait: false, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database may be down or not migrated yet; an escaping exception would stop the host. Next tick
                // resumes from the closed edge, which only moves with a committed fold.
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollup closer failed; retrying next interval")]
    private partial void LogFailed(Exception exception);
}
