using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;

namespace ReportApi.Rollups;

/// <summary>
/// The rollup closer (docs/decisions/0002-postgres-is-the-only-state.md, issue #12). Ingest writes only the minute grain; this folds closed minutes
/// into the hour and day device sets and rollups and keeps <c>failure_counts_*</c>: exact counts per bucket for every
/// grouping, so reads of closed buckets are a lookup.
/// </summary>
/// <remarks>
/// One run: (1) move the closing edge to the last whole minute before now − <c>Rollups:CloseDelay</c> (own short
/// transaction, see <see cref="RollupsSql.AdvanceClosing"/>); (2) fold [closed, closing) plus the minutes that late
/// batches marked, at most an hour per transaction, each transaction also moving the closed edge (so a crash loses
/// nothing and repeats nothing: the edge only moves with a committed fold); (3) when caught up, count one day of
/// buckets written before the closer existed (upgrade backfill, newest first). A session-level advisory lock keeps
/// it to one replica; device deletion waits on the same lock so it never races a fold.
/// </remarks>
public sealed partial class RollupCloser(
    NpgsqlDataSource dataSource, IOptions<RollupsOptions> options, TimeProvider time, ILogger<RollupCloser> logger)
{
    private static readonly TimeSpan MaxFold = TimeSpan.FromHours(1);

    /// <summary>
    /// Closes what can be closed. <paramref name="wait"/> false (the background job) skips the run if another replica
    /// holds the lock; true (tests, tooling) waits for it. Returns the number of fold transactions committed.
    /// </summary>
    public async Task<int> CloseAsync(bool wait, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Short set-based statements whose estimated cost can cross jit_above_cost: compiling would cost more than running.
        await ExecuteAsync(connection, null, "SET jit = off", ct);
        if (wait)
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_lock($1)", ct, RollupsSql.LockKey);
        }
        else if (await ScalarAsync(connection, null, RollupsSql.TryLock, ct, RollupsSql.LockKey) is not true)
        {
            LogSkipped();
            return 0;
        }
        try
        {
            return await CloseLockedAsync(connection, ct);
        }
        finally
        {
            // A broken connection released the lock with its session; only unlock a live one.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, RollupsSql.Unlock, CancellationToken.None, RollupsSql.LockKey);
            }
        }
    }

    private async Task<int> CloseLockedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var now = time.GetUtcNow() - options.Value.CloseDelay;
        var target = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var edges = await ReadEdgesAsync(connection, ct);
        if (edges.GetValueOrDefault("closed") is not { } closed)
        {
            // First run on a new database: fold whatever was written before the closer started, from its first minute.
            if (await ScalarAsync(connection, null, RollupsSql.OldestMinute, ct) is DateTime oldest)
            {
                closed = new DateTimeOffset(DateTime.SpecifyKind(oldest, DateTimeKind.Utc));
            }
            else
            {
                closed = target;
            }
            await ExecuteAsync(connection, null, RollupsSql.WriteEdge, ct, "closed", closed);
        }
        await ExecuteAsync(connection, null, RollupsSql.AdvanceClosing, ct, target);
        var closing = (await ReadEdgesAsync(connection, ct))["closing"]!.Value;

        var folds = 0;
        do
        {
            var upper = closing - closed > MaxFold ? closed + MaxFold : closing;
            if (await FoldAsync(connection, closed, upper, ct)) folds++;
            closed = upper;
        }
        while (closed < closing);

        if (edges.GetValueOrDefault("backfill") is { } backfill) await BackfillDayAsync(connection, backfill, ct);
        if (edges.GetValueOrDefault("chain_backfill") is { } chainBackfill) await BackfillChainsDayAsync(connection, chainBackfill, ct);
        return folds;
    }

    /// <summary>Folds [lo, hi) and every marked late minute before hi, and moves the closed edge to hi, in one transaction.</summary>
    private async Task<bool> FoldAsync(NpgsqlConnection connection, DateTimeOffset lo, DateTimeOffset hi, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        var late = new List<DateTimeOffset>();
        await using (var take = Command(connection, tx, RollupsSql.TakeDirty, hi))
        await using (var reader = await take.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) late.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }
        if (lo >= hi && late.Count == 0) return false;

        var minutes = new SortedSet<DateTimeOffset>(late);
        for (var m = lo; m < hi; m = m.AddMinutes(1)) minutes.Add(m);
        var lateArray = late.ToArray();

        // Per-grain durations for the fold's log line: a flood minute makes one grain's statement the slow one (issue #12).
        var took = new double[ServingGrain.All.Count + 1];
        for (var index = 0; index < ServingGrain.All.Count; index++)
        {
            var grain = ServingGrain.All[index];
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await FoldGrainAsync(connection, tx, grain, lo, hi, minutes, lateArray, ct);
            took[index] = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        var chainsStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        await FoldChainsAsync(connection, tx, lo, hi, lateArray, minutes, ct);
        took[^1] = System.Diagnostics.Stopwatch.GetElapsedTime(chainsStarted).TotalMilliseconds;
        await ExecuteAsync(connection, tx, RollupsSql.WriteEdge, ct, "closed", hi);
        await tx.CommitAsync(ct);
        LogFolded(lo, hi, late.Count, took[0], took[1], took[2], took[3], took[4]);
        return true;
    }

    /// <summary>One grain's share of a fold: minute grains recount their whole buckets, hour and day fold device sets.</summary>
    private static async Task FoldGrainAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ServingGrain grain, DateTimeOffset lo, DateTimeOffset hi,
        SortedSet<DateTimeOffset> minutes, DateTimeOffset[] lateArray, CancellationToken ct)
    {
        var buckets = minutes.Select(m => Floor(m, grain.Step)).Distinct().ToList();
        if (!grain.HasOwnDeviceSet)
        {
            // Minute grains are counted once, when whole: a late minute recounts its buckets from scratch.
            buckets = [.. buckets.Where(b => b + grain.Step <= hi)];
            await RecountAsync(connection, tx, grain, buckets, ct);
            return;
        }
        var (from, to) = (buckets[0], buckets[^1] + grain.Step);
        var counted = new List<DateTimeOffset>();
        await using (var read = Command(connection, tx, RollupsSql.Counted(grain), buckets.ToArray(), from, to))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) counted.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }
        await ExecuteAsync(connection, tx, RollupsSql.FoldDevices(grain), ct, lo, hi, lateArray, counted.ToArray(), grain.StoredMasks);
        if (grain == ServingGrain.Hour)
        {
            await ExecuteAsync(connection, tx, RollupsSql.RecomputeHourRollups, ct, buckets.ToArray(), hi, from);
        }
        else
        {
            await ExecuteAsync(connection, tx, RollupsSql.RecomputeDayRollups, ct, buckets.ToArray(), from, to);
        }
        if (counted.Count > 0)
        {
            await ExecuteAsync(connection, tx, RollupsSql.UpsertCounts(grain), ct, counted.ToArray(), grain.StoredMasks, from, to);
        }
        // A bucket met for the first time (or written before the closer existed) is counted from its whole set.
        await RecountAsync(connection, tx, grain, [.. buckets.Except(counted)], ct);
    }

    /// <summary>
    /// Counts the buckets of one day written by the previous release (which kept the hour and day grains itself, so
    /// they are complete), newest day first; until then reads recount those buckets live, exactly, at the old cost.
    /// </summary>
    private async Task BackfillDayAsync(NpgsqlConnection connection, DateTimeOffset edge, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await ScalarAsync(connection, tx, RollupsSql.NewestMinuteBefore, ct, edge) is not DateTime newest)
        {
            await ExecuteAsync(connection, tx, RollupsSql.WriteEdge, ct, "backfill", DBNull.Value);
            await tx.CommitAsync(ct);
            LogBackfillDone();
            return;
        }
        var dayStart = new DateTimeOffset(DateTime.SpecifyKind(newest, DateTimeKind.Utc).Date, TimeSpan.Zero);
        foreach (var grain in ServingGrain.All)
        {
            var buckets = new List<DateTimeOffset>();
            await using (var read = Command(connection, tx, RollupsSql.BucketsWithData(grain), dayStart, edge))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) buckets.Add(reader.GetFieldValue<DateTimeOffset>(0));
            }
            // A bucket that runs past the edge holds minutes the closer folds itself (and counts whole).
            await RecountAsync(connection, tx, grain, [.. buckets.Where(b => b + grain.Step <= edge)], ct);
        }
        await ExecuteAsync(connection, tx, RollupsSql.WriteEdge, ct, "backfill", dayStart);
        await tx.CommitAsync(ct);
        LogBackfilled(dayStart, edge);
    }

    /// <summary>
    /// The failing-chain rollups of the same minutes, in the same transaction (so they share the closed edge and the
    /// late marks): the minutes' reports by chain, their devices into the hour and day chain sets and, for each device
    /// new to a set, one device more in its served rows (a late minute folded twice adds no row the second time, so
    /// adds nothing), then the reports of the touched hours and days recounted from the minute rollups.
    /// </summary>
    private static async Task FoldChainsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateTimeOffset lo, DateTimeOffset hi,
        DateTimeOffset[] late, IEnumerable<DateTimeOffset> minutes, CancellationToken ct)
    {
        await ExecuteAsync(connection, tx, ChainsSql.AddChains, ct, lo, hi, late);
        await ExecuteAsync(connection, tx, ChainsSql.Fold, ct, lo, hi, late);
        var hours = minutes.Select(m => Floor(m, TimeSpan.FromHours(1))).Distinct().ToArray();
        var days = minutes.Select(m => Floor(m, TimeSpan.FromDays(1))).Distinct().ToArray();
        await ExecuteAsync(connection, tx, ChainsSql.CountHourReports, ct, hours, hours.Min(), hours.Max().AddHours(1));
        await ExecuteAsync(connection, tx, ChainsSql.CountDayReports, ct, days, days.Min(), days.Max().AddDays(1));
    }

    /// <summary>
    /// Folds one day of reports received before the chain rollups existed (migration ChainCounts), newest day first,
    /// and moves the <c>chain_backfill</c> edge to its start; reads count the buckets before that edge from the raw
    /// reports until then. The hours after the edge were folded by the closer: recounting them with the day's older
    /// minutes makes them whole.
    /// </summary>
    private async Task BackfillChainsDayAsync(NpgsqlConnection connection, DateTimeOffset edge, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await ScalarAsync(connection, tx, ChainsSql.NewestReportBefore, ct, edge) is not DateTime newest)
        {
            await ExecuteAsync(connection, tx, RollupsSql.WriteEdge, ct, "chain_backfill", DBNull.Value);
            await tx.CommitAsync(ct);
            LogChainBackfillDone();
            return;
        }
        var day = new DateTimeOffset(DateTime.SpecifyKind(newest, DateTimeKind.Utc).Date, TimeSpan.Zero);
        var until = edge < day.AddDays(1) ? edge : day.AddDays(1);
        DateTimeOffset[] none = [];
        await ExecuteAsync(connection, tx, ChainsSql.AddChains, ct, day, until, none);
        await ExecuteAsync(connection, tx, ChainsSql.Fold, ct, day, until, none);
        var hours = new List<DateTimeOffset>();
        for (var h = day; h < until; h = h.AddHours(1)) hours.Add(h);
        await ExecuteAsync(connection, tx, ChainsSql.CountHours, ct, hours.ToArray(), day, day.AddDays(1));
        await ExecuteAsync(connection, tx, ChainsSql.CountDays, ct, new[] { day }, day, day.AddDays(1));
        await ExecuteAsync(connection, tx, RollupsSql.WriteEdge, ct, "chain_backfill", day);
        await tx.CommitAsync(ct);
        LogChainBackfilled(day, until);
    }

    private static async Task RecountAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ServingGrain grain, List<DateTimeOffset> buckets, CancellationToken ct)
    {
        if (buckets.Count == 0) return;
        var array = buckets.ToArray();
        var (from, to) = (buckets.Min(), buckets.Max() + grain.Step);
        await ExecuteAsync(connection, tx, RollupsSql.DeleteCounts(grain), ct, array, from, to);
        await ExecuteAsync(connection, tx, RollupsSql.Recount(grain), ct, array, grain.StoredMasks, from, to);
    }

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan step) => new(t.UtcTicks - t.UtcTicks % step.Ticks, TimeSpan.Zero);

    private static async Task<Dictionary<string, DateTimeOffset?>> ReadEdgesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var edges = new Dictionary<string, DateTimeOffset?>();
        await using var command = new NpgsqlCommand(RollupsSql.ReadEdges, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) edges[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
        return edges;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, params object[] args)
    {
        var command = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        foreach (var arg in args)
        {
            command.Parameters.Add(arg switch
            {
                DateTimeOffset t => new NpgsqlParameter { Value = t.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                DateTimeOffset[] a => new NpgsqlParameter { Value = a.Select(t => t.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                short[] m => new NpgsqlParameter { Value = m, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint },
                long l => new NpgsqlParameter { Value = l, NpgsqlDbType = NpgsqlDbType.Bigint },
                string s => new NpgsqlParameter { Value = s, NpgsqlDbType = NpgsqlDbType.Text },
                DBNull => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => throw new ArgumentException($"unsupported parameter {arg.GetType()}"),
            });
        }
        return command;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        return await command.ExecuteScalarAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rollups closed from {From} to {To} ({Late} late minutes recounted) in ms: minute {MinuteMs:0}, five_minute {FiveMinuteMs:0}, hour {HourMs:0}, day {DayMs:0}, chains {ChainsMs:0}")]
    private partial void LogFolded(DateTimeOffset from, DateTimeOffset to, int late, double minuteMs, double fiveMinuteMs, double hourMs, double dayMs, double chainsMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollup backfill counted the buckets from {From} to {To}")]
    private partial void LogBackfilled(DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollup backfill complete")]
    private partial void LogBackfillDone();

    [LoggerMessage(Level = LogLevel.Information, Message = "Chain rollup backfill folded the reports from {From} to {To}")]
    private partial void LogChainBackfilled(DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chain rollup backfill complete")]
    private partial void LogChainBackfillDone();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rollup close skipped: another replica holds the lock")]
    private partial void LogSkipped();
}
