using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Pins;

/// <summary>
/// Every <c>Pins:RefreshInterval</c>: refresh the inventory (one replica at a time, through the advisory lock), then
/// re-read the expiring pins for the gauge on every replica, so whichever replica is scraped reports them.
/// </summary>
internal sealed partial class PinInventoryService(
    PinInventoryRefresher refresher, ExpiringPinsGauge gauge, IOptions<PinsOptions> options, TimeProvider time,
    ILogger<PinInventoryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        do
        {
            try
            {
                await refresher.RefreshAsync(wait: false, stoppingToken);
                await gauge.UpdateAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database may be down or not migrated yet; an escaping exception would stop the host. Next tick.
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pin inventory refresh failed; retrying next interval")]
    private partial void LogFailed(Exception exception);
}
