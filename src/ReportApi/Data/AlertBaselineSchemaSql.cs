namespace ReportApi.Data;

/// <summary>
/// Hand-written schema of the stored baseline windows (issue #12: alert evaluation at 10,000 series): the distinct-device
/// counts per series level of closed comparable windows, which the evaluator would otherwise recount every minute. The
/// DDL is in migration <c>AlertBaselineWindows</c> (a migration never calls live code); what live code needs is named here.
/// </summary>
internal static class AlertBaselineSchemaSql
{
    /// <summary>
    /// Partitioned by the UTC day of <c>window_start</c>, so retention drops a window with the first day it counted from:
    /// a stored window never outlives the device rows it was counted from. (<c>alert_baseline_groups</c> holds names only
    /// and is pruned with the series, <see cref="PartitionSql.PruneBaselineGroups"/>.)
    /// </summary>
    public static readonly string[] Tables = ["alert_baseline_counts"];

    /// <summary>
    /// Key of the alert evaluator's transaction-scoped advisory lock ("PIN" "ALRT"); here, not in the Alerting folder,
    /// because device deletion takes it too (no stored window may be written from a snapshot that still held the device).
    /// </summary>
    public const long EvaluationLockKey = 0x50494E_414C5254;
}
