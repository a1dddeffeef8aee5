namespace ReportApi.Data;

/// <summary>Configuration section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>Database:MigrateOnStartup</c>: apply pending migrations at start-up (contract).</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Days of partitions created ahead of today, so a midnight rollover never meets a missing partition.</summary>
    public int PartitionDaysAhead { get; set; } = 7;
}
