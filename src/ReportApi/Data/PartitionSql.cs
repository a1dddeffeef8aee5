namespace ReportApi.Data;

internal static class PartitionSql
{
    /// <summary>Tables partitioned by UTC day: the reports and their rollups (same days, same retention).</summary>
    public static readonly string[] DailyTables = ["reports", .. RollupSchemaSql.Tables, EvidenceSchemaSql.NetworksTable];

    /// <summary>Creates one day's partition of every daily table if missing, as one script. Day bounds are UTC midnights.</summary>
    public static string CreateDay(DateOnly day) => string.Join(";\n", CreateDayStatements(day));

    /// <summary>One statement per table, so a replica racing on one table does not skip the others.</summary>
    public static IEnumerable<string> CreateDayStatements(DateOnly day) => DailyTables.Select(table =>
        $"""
        CREATE TABLE IF NOT EXISTS {PartitionName(table, day)} PARTITION OF {table}
            FOR VALUES FROM ('{day:yyyy-MM-dd} 00:00:00+00') TO ('{day.AddDays(1):yyyy-MM-dd} 00:00:00+00')
        """);

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

    public const string PruneDedup = """
        DELETE FROM report_dedup WHERE last_stored_at < now() - interval '24 hours'
        """;
}
