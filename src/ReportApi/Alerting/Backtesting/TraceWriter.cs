using System.Security.Cryptography;
using System.Text;
using Npgsql;
using ReportApi.Data;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Writes a traffic trace into the minute rollups, device sets and network sets with past timestamps: the history a
/// backtest (or a demo) runs on, without replaying millions of reports through HTTP. The daily partitions of the
/// trace's days are created first (<see cref="PartitionMaintenance"/>); the minutes are marked dirty so the rollup closer
/// recounts hours and days it had already closed. Rows add to what is stored (a device already in a minute's set stays
/// one device); no reports are written, so alert text built from reports (the top chain) is empty for traced traffic.
/// </summary>
internal sealed class TraceWriter(NpgsqlDataSource dataSource, PartitionMaintenance partitions)
{
    public async Task<int> WriteAsync(IReadOnlyList<TraceRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return 0;
        await partitions.EnsureAsync(DateOnly.FromDateTime(rows.Min(r => r.Minute).UtcDateTime), DateOnly.FromDateTime(rows.Max(r => r.Minute).UtcDateTime), ct);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ids = new Dictionary<(string, string, string, string), int>();
        foreach (var group in rows.GroupBy(r => (r.App, r.Version, r.Host, r.Diagnosis)))
        {
            ids[group.Key] = await BacktestStore.UpsertTraceSeriesAsync(connection, transaction, group.Key.App, group.Key.Version, group.Key.Host,
                group.Key.Diagnosis, group.Min(r => r.Minute), ct);
        }

        // In slices, so a week of trace is a handful of statements rather than one per row.
        foreach (var slice in rows.Chunk(20_000))
        {
            await BacktestStore.WriteTraceMinutesAsync(connection, transaction, [.. slice.Select(r => r.Minute.UtcDateTime)],
                [.. slice.Select(r => ids[(r.App, r.Version, r.Host, r.Diagnosis)])], [.. slice.Select(r => r.Reports)], [.. slice.Select(r => r.Devices)],
                [.. slice.Select(r => DeviceBase(r.App, r.Version) + r.FirstDevice)], [.. slice.Select(r => r.Networks)], ct);
        }
        await transaction.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>Device ids of a version start at a hash of it (low 40 bits clear): versions do not share devices.</summary>
    private static long DeviceBase(string app, string version) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"trace\n{app}\n{version}")), 0) & ~((1L << 40) - 1);
}
