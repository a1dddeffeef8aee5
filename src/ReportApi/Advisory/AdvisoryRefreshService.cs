using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Advisory;

/// <summary>
/// Rebuilds the advisory's answers every <c>Advisory:RefreshInterval</c> on every replica (each serves from its own
/// memory), so a chain recorded on another replica or a version the inventory just learned shows within the interval.
/// </summary>
internal sealed partial class AdvisoryRefreshService(
    AdvisorySnapshot snapshot, IOptions<AdvisoryOptions> options, TimeProvider time, ILogger<AdvisoryRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        do
        {
            try
            {
                await snapshot.RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database may be down or not migrated yet; the last answers keep serving. Next tick.
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Advisory rebuild failed; serving the previous answers, retrying next interval")]
    private partial void LogFailed(Exception exception);
}
