namespace ReportApi.Data;

internal static class PartitionSql
{
    /// <summary>Creates one day's partition of <c>reports</c> if missing. Day bounds are UTC midnights.</summary>
    public static string CreateDay(DateOnly day) =>
        $"""
        CREATE TABLE IF NOT EXISTS {PartitionName(day)} PARTITION OF reports
            FOR VALUES FROM ('{day:yyyy-MM-dd} 00:00:00+00') TO ('{day.AddDays(1):yyyy-MM-dd} 00:00:00+00')
        """;

    /// <summary>Partition names carry the day so retention can drop them by name.</summary>
    public static string PartitionName(DateOnly day) => $"reports_p{day:yyyyMMdd}";

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
