namespace ReportApi.Data;

/// <summary>
/// The rollup tables (issue #4), hand-written like <c>reports</c> because EF cannot declare partitioned tables.
/// Every table is range-partitioned by bucket with one partition per UTC day (<see cref="PartitionSql"/>), so
/// retention drops rollups the same way it drops reports: whole partitions, never a mass DELETE. The DDL is in
/// migrations <c>FailureRollups</c> and <c>ShardMinuteRollupsByWriter</c>; live code keeps only the names it needs.
/// </summary>
/// <remarks>
/// Distinct devices are kept as exact device sets: one row per (bucket, series, device) at three grains. A window's
/// distinct devices are <c>count(DISTINCT device_id)</c> over the grain that tiles it, so a device seen in many
/// minutes of a day is counted once for the day, and any grouping of series merges exactly. <c>device_id</c> is the
/// first 8 bytes of the device HMAC: narrower rows and faster hashing than the 32-byte hash, at a collision
/// probability of about n²/2⁶⁵ (under 3·10⁻⁶ for 10 million devices). No foreign key to <c>failure_series</c>:
/// the writer resolves series ids in the same transaction, and a key check per row would cost the hot path.
/// </remarks>
internal static class RollupSchemaSql
{
    /// <summary>The three grains, finest first: table suffix and the <c>date_trunc</c> field.</summary>
    public static readonly (string Suffix, string Field)[] Grains = [("minute", "minute"), ("hour", "hour"), ("day", "day")];

    /// <summary>Every partitioned rollup table, for partition maintenance.</summary>
    public static readonly string[] Tables =
        [.. Grains.Select(g => $"failure_rollups_{g.Suffix}"), .. Grains.Select(g => $"failure_devices_{g.Suffix}")];

    /// <summary>
    /// Whether a grain's rollup rows carry the writer loop that wrote them (<c>writer</c>, part of the key; migration
    /// ShardMinuteRollupsByWriter). Only the minute grain, written in the hot transaction: one row per bucket and series
    /// made concurrent writer loops queue on its row lock, held through each other's commit. Readers sum the rows of a
    /// bucket and series, as they already do when merging series or buckets.
    /// </summary>
    public static bool ShardedByWriter(string suffix) => suffix == "minute";
}
