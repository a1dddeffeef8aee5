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

    public const string PruneDedup = """
        DELETE FROM report_dedup WHERE last_stored_at < now() - interval '24 hours'
        """;
}
