namespace ReportApi.Data;

/// <summary>Configuration section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>Database:MigrateOnStartup</c>: apply pending migrations at start-up (contract).</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Days of partitions created ahead of today, so a midnight rollover never meets a missing partition.</summary>
    public int PartitionDaysAhead { get; set; } = 7;

    /// <summary>
    /// <c>Database:MaintenanceInterval</c>: how often one replica (by advisory lock) creates partitions ahead, applies
    /// retention and prunes dedup keys. Hourly is plenty; tests shorten it.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>Database:ReplicaLagInterval</c>: how often the lag of <c>ConnectionStrings:PostgresReadOnly</c> is measured
    /// for <c>pinreports_replica_lag_seconds</c>.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReplicaLagInterval { get; set; } = TimeSpan.FromSeconds(10);

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
