using Microsoft.Extensions.Options;

namespace ReportApi.Pins;

/// <summary>
/// Folds newly received reports into <c>pin_inventory</c>: the half-open receive-time range [watermark, now − settle
/// delay), a day at a time (<see cref="PinInventoryStore.RefreshRangeAsync"/>: one transaction each, exactly once).
/// Aggregating 50M raw reports per API request would not scale; this costs one pass over each report, once.
/// </summary>
public sealed partial class PinInventoryRefresher(
    PinInventoryStore store, IOptions<PinsOptions> options, TimeProvider time, ILogger<PinInventoryRefresher> logger)
{
    /// <summary>
    /// Brings the inventory up to date. With <paramref name="wait"/> false (the background job) it gives up at once if
    /// another replica holds the lock; with true (tests, admin tooling) it waits for it. Returns the ranges folded in.
    /// </summary>
    public async Task<int> RefreshAsync(bool wait, CancellationToken ct)
    {
        var upper = time.GetUtcNow() - options.Value.SettleDelay;
        var ranges = 0;
        while (true)
        {
            var range = await store.RefreshRangeAsync(upper, wait, ct);
            if (range.Result == RefreshRange.Outcome.Busy) LogSkipped();
            if (range.Result != RefreshRange.Outcome.Folded) return ranges;
            LogRefreshed(range.From, range.To, range.Configurations);
            if (range.To >= upper) return ranges;
            ranges++;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pin inventory refreshed from {From} to {To} ({Rows} configurations touched)")]
    private partial void LogRefreshed(DateTimeOffset from, DateTimeOffset to, int rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pin inventory refresh skipped: another replica holds the lock")]
    private partial void LogSkipped();
}
