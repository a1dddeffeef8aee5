namespace ReportApi.Data;

/// <summary>Configuration section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>Database:MigrateOnStartup</c>: apply pending migrations at start-up (contract).</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Days of partitions created ahead of today, so a midnight rollover never meets a missing partition.</summary>
    public int PartitionDaysAhead { get; set; } = 7;

    /// <summary>
    /// <c>Database:ReadOnlyPassword</c>: when set, the migrate step gives the read-only role <c>pinreports_grafana</c>
    /// (created by a migration, used by Grafana) this password.
    /// </summary>
    public string? ReadOnlyPassword { get; set; }

    /// <summary>
    /// <c>Database:ServicePassword</c>: when set, the migrate step gives the service role <c>pinreports_app</c> (rows,
    /// temp tables, advisory locks and partition functions; no DDL) this password. Run the migrate step as the owner
    /// and the service with <c>Username=pinreports_app</c>.
    /// </summary>
    public string? ServicePassword { get; set; }
}

/// <summary>Configuration section <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// <c>Retention:Days</c>: whole daily partitions of reports older than this are dropped (never a mass DELETE).
    /// 0 keeps everything.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 36_500)]
    public int Days { get; set; } = 90;
}
