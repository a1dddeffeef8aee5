using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Scope;

/// <summary>
/// Adds this replica's out-of-scope counts to <c>scope_rejections</c> every <see cref="ScopeOptions.FlushInterval"/> (and
/// on shutdown), and prunes rows not seen for the retention. Logs the start-up warning when no scope is set.
/// </summary>
internal sealed partial class ScopeRejectionFlusher(
    ScopeRejections rejections, ScopeStore store, IOptions<ScopeOptions> options, TimeProvider time,
    ILogger<ScopeRejectionFlusher> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsSet) LogNoScope();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        // Shutdown: what was counted since the last tick is not lost.
        await FlushAsync(CancellationToken.None);
    }

    internal async Task FlushAsync(CancellationToken ct)
    {
        var batch = rejections.Drain();
        if (batch.Count == 0) return;
        try
        {
            await store.FlushAsync(batch, options.Value.MaxRejectionRows, time.GetUtcNow().AddDays(-options.Value.RejectionRetentionDays), ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The database may be down: keep the counts for the next flush (still bounded by ScopeRejections).
            rejections.Restore(batch);
            LogFlushFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest:Scope is not set: POST /v1/reports accepts reports for any app and host, " +
        "so anyone can store reports, create series and open alerts for names you never configured. Set Ingest:Scope:Apps and " +
        "Ingest:Scope:Hosts (see README, 'Scope').")]
    private partial void LogNoScope();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not flush the out-of-scope tally; retrying at the next flush")]
    private partial void LogFlushFailed(Exception exception);
}
