using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReportApi.Rollups;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>
/// The failing-chain rollups of the loaded reports, made by the real closer as after an upgrade: the chain backfill
/// edge is put at the closed edge and <see cref="RollupCloser"/> runs (with the clock at that edge, so it folds nothing
/// else) until it has folded every day, newest first. Also what a <c>--skip-load</c> run does on a cluster loaded
/// before the chain rollups existed.
/// </summary>
internal static class ChainFill
{
    public static async Task RunAsync(NpgsqlDataSource dataSource)
    {
        await using (var command = dataSource.CreateCommand("""
            UPDATE rollup_watermarks SET at = (SELECT at FROM rollup_watermarks WHERE edge = 'closed') WHERE edge = 'chain_backfill'
            """))
        {
            await command.ExecuteNonQueryAsync();
        }
        DateTime closed;
        await using (var command = dataSource.CreateCommand("SELECT at FROM rollup_watermarks WHERE edge = 'closed'"))
        {
            closed = (DateTime)(await command.ExecuteScalarAsync())!;
        }
        var options = new RollupsOptions();
        var clock = new FixedClock(new DateTimeOffset(DateTime.SpecifyKind(closed, DateTimeKind.Utc)) + options.CloseDelay);
        var closer = new RollupCloser(dataSource, Microsoft.Extensions.Options.Options.Create(options), clock, NullLogger<RollupCloser>.Instance);
        var started = Stopwatch.GetTimestamp();
        var days = 0;
        while (await PendingAsync(dataSource))
        {
            await closer.CloseAsync(wait: true, CancellationToken.None);
            days++;
        }
        foreach (var table in (string[])["failure_chains", .. ReportApi.Data.ChainSchemaSql.Tables])
        {
            // One statement per command: VACUUM may not run in a batch.
            await using var vacuum = dataSource.CreateCommand($"VACUUM ANALYZE {table}");
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync();
        }
        await using var counts = dataSource.CreateCommand("""
            SELECT format('failure_chains %s, chain_rollups_minute %s, chain_devices_hour %s, chain_devices_day %s, chain_counts_hour %s, chain_counts_day %s',
                (SELECT count(*) FROM failure_chains), (SELECT count(*) FROM chain_rollups_minute), (SELECT count(*) FROM chain_devices_hour),
                (SELECT count(*) FROM chain_devices_day), (SELECT count(*) FROM chain_counts_hour), (SELECT count(*) FROM chain_counts_day))
            """);
        counts.CommandTimeout = 0;
        Console.WriteLine($"  chain rollups (RollupCloser backfill, {days} runs): {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; {await counts.ExecuteScalarAsync()}");
    }

    private static async Task<bool> PendingAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT at IS NOT NULL FROM rollup_watermarks WHERE edge = 'chain_backfill'");
        return await command.ExecuteScalarAsync() is true;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
