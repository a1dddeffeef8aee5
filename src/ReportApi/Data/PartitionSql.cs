namespace ReportApi.Data;

internal static class PartitionSql
{
    /// <summary>
    /// Tables partitioned by UTC day: the reports, their rollups, the serving counts, the network sets and the alert
    /// evaluator's stored baseline windows (same days, same retention).
    /// </summary>
    public static readonly string[] DailyTables = ["reports", .. RollupSchemaSql.Tables, .. ServingSchemaSql.Tables, .. ChainSchemaSql.Tables,
        EvidenceSchemaSql.NetworksTable, .. AlertBaselineSchemaSql.Tables];

    /// <summary>Creates one day's partition of every daily table if missing, as one script. Day bounds are UTC midnights.</summary>
    public static string CreateDay(DateOnly day) => string.Join(";\n", CreateDayStatements(day));

    /// <summary>
    /// One statement per table, so a replica racing on one table does not skip the others. The service role may not
    /// run DDL: <c>pinreports_create_day_partition</c> (SECURITY DEFINER, owned by the migrating role, see
    /// <see cref="DatabaseRolesSql"/>) creates <c>{table}_pYYYYMMDD</c> for the UTC day.
    /// </summary>
    public static IEnumerable<string> CreateDayStatements(DateOnly day) => DailyTables.Select(table =>
        $"SELECT pinreports_create_day_partition('{table}', '{day:yyyy-MM-dd}')");

    /// <summary>Drops one daily partition through the owner's function (the service role may not DROP).</summary>
    public const string DropPartition = "SELECT pinreports_drop_day_partition(@name)";

    /// <summary>Partition names carry the day so retention can drop them by name.</summary>
    public static string PartitionName(DateOnly day) => PartitionName("reports", day);

    public static string PartitionName(string table, DateOnly day) => $"{table}_p{day:yyyyMMdd}";

    /// <summary>Names of the partitions of a partitioned table.</summary>
    public const string ListPartitions = """
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = @parent
        """;

    /// <summary>Session-level: one replica runs the maintenance tick at a time (<see cref="MaintenanceService"/>).</summary>
    public const long MaintenanceLockKey = 0x50_52_4D_41_49_4E_54; // "PRMAINT"

    public const string TryMaintenanceLock = "SELECT pg_try_advisory_lock($1)";
    public const string MaintenanceUnlock = "SELECT pg_advisory_unlock($1)";

    public const string PruneDedup = """
        DELETE FROM report_dedup WHERE last_stored_at < now() - interval '24 hours'
        """;

    /// <summary>
    /// Retention for series (issue #22): a series first seen before $1 that has no rollup row left (its partitions were
    /// dropped) had no report for the whole retention window: it goes, so junk versions do not stay forever. Rollups
    /// hold every stored report's series, so checking them is enough; one hashed anti-join, once an hour.
    /// </summary>
    public static readonly string PruneSeries = $"""
        DELETE FROM failure_series f
        WHERE f.first_seen_at < $1
          AND f.id NOT IN ({string.Join(" UNION ", RollupSchemaSql.Tables.Where(t => t.StartsWith("failure_rollups_", StringComparison.Ordinal)).Select(t => $"SELECT series_id FROM {t}"))})
        """;

    /// <summary>
    /// The alert evaluator's group names (a level's app, version, noted hostname; '' where the level has none) that no
    /// series has any more, after <see cref="PruneSeries"/>: a group without series has no device rows to count, and one
    /// that fails again is named again.
    /// </summary>
    public const string PruneBaselineGroups = """
        DELETE FROM alert_baseline_groups g
        WHERE (g.level, g.app, g.version, g.noted_hostname) NOT IN (
            SELECT 'host', '', '', noted_hostname FROM failure_series
            UNION SELECT 'version', app, version, '' FROM failure_series
            UNION SELECT 'version-host', app, version, noted_hostname FROM failure_series)
        """;

    /// <summary>
    /// Late-minute marks handed to the alert evaluator that it never took (it is disabled on every replica): older than
    /// 36 days a mark can only touch windows no evaluation compares with (Alerting:BaselineDays is at most 35).
    /// </summary>
    public const string PruneAlertDirtyMinutes = "DELETE FROM alert_dirty_minutes WHERE minute < now() - interval '36 days'";
}
