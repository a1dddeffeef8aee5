namespace ReportApi.Data;

/// <summary>
/// Hand-written schema of issue #22 (forged reports must not page anyone): the minute network sets alerting counts
/// independent evidence from, the out-of-scope tally, and the index the per-hour series caps count with. The DDL is
/// in migration <c>ForgedReportDefences</c> (a migration never calls live code); what live code needs is named here.
/// </summary>
internal static class EvidenceSchemaSql
{
    /// <summary>Partitioned by UTC day like <c>failure_devices_minute</c>, so retention drops it with the reports.</summary>
    public const string NetworksTable = "failure_networks_minute";
}
