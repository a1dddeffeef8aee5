using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Pins;

/// <summary>
/// Folds newly received reports into <c>pin_inventory</c>. Each run processes the half-open receive-time range
/// [watermark, now − settle delay) in one transaction that also moves the watermark, so a range is counted exactly
/// once whatever crashes or replicas do; a transaction-scoped advisory lock keeps two replicas from racing on it.
/// Aggregating 50M raw reports per API request would not scale; this costs one pass over each report, once.
/// </summary>
public sealed partial class PinInventoryRefresher(
    NpgsqlDataSource dataSource, IOptions<PinsOptions> options, TimeProvider time, ILogger<PinInventoryRefresher> logger)
{
    /// <summary>Catch-up after downtime (or the first run over old data) goes in day-sized transactions.</summary>
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(1);

    /// <summary>
    /// Brings the inventory up to date. With <paramref name="wait"/> false (the background job) it gives up at once if
    /// another replica holds the lock; with true (tests, admin tooling) it waits for it. Returns the ranges folded in.
    /// </summary>
    public async Task<int> RefreshAsync(bool wait, CancellationToken ct)
    {
        var upper = time.GetUtcNow() - options.Value.SettleDelay;
        var ranges = 0;
        while (await RefreshRangeAsync(upper, wait, ct)) ranges++;
        return ranges;
    }

    private async Task<bool> RefreshRangeAsync(DateTimeOffset upperLimit, bool wait, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using (var lockCommand = new NpgsqlCommand(wait ? PinsSql.Lock : PinsSql.TryLock, connection, transaction))
        {
            lockCommand.Parameters.Add(new() { Value = PinsSql.RefreshLockKey, NpgsqlDbType = NpgsqlDbType.Bigint });
            if (wait)
            {
                await using var reader = await lockCommand.ExecuteReaderAsync(ct);
            }
            else if (await lockCommand.ExecuteScalarAsync(ct) is not true)
            {
                LogSkipped();
                return false;
            }
        }

        await Execute(connection, transaction, PinsSql.EnsureState, ct);
        DateTimeOffset? lower;
        await using (var read = new NpgsqlCommand(PinsSql.ReadWatermark, connection, transaction))
        {
            lower = await read.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        }
        if (lower is null)
        {
            // No reports at all yet: start from here, so the first report is never compared with an absent watermark.
            await Execute(connection, transaction, PinsSql.WriteWatermark, ct, upperLimit);
            await transaction.CommitAsync(ct);
            return false;
        }
        if (lower >= upperLimit) return false;

        var upper = lower.Value + MaxRange < upperLimit ? lower.Value + MaxRange : upperLimit;
        var rows = await Execute(connection, transaction, PinsSql.UpsertInventory, ct, lower.Value, upper);
        await Execute(connection, transaction, PinsSql.UpsertDevices, ct, lower.Value, upper);
        await Execute(connection, transaction, PinsSql.WriteWatermark, ct, upper);
        await transaction.CommitAsync(ct);
        LogRefreshed(lower.Value, upper, rows);
        return upper < upperLimit;
    }

    private static async Task<int> Execute(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params DateTimeOffset[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var arg in args) command.Parameters.Add(new() { Value = arg.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pin inventory refreshed from {From} to {To} ({Rows} configurations touched)")]
    private partial void LogRefreshed(DateTimeOffset from, DateTimeOffset to, int rows);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pin inventory refresh skipped: another replica holds the lock")]
    private partial void LogSkipped();
}
