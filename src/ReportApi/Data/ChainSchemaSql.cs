namespace ReportApi.Data;

/// <summary>
/// The failing-chain rollups (issue #12, migration <c>ChainCounts</c>, whose SQL is literal in the migration): what the
/// "Top failing chains" panel reads instead of counting distinct devices over raw <c>reports</c>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>failure_chains</c>: one id per (app, leaf identity: issuer, subject, leaf SPKI), <c>leaf_key</c> = sha256 of
/// the three.</item>
/// <item><c>chain_rollups_minute</c>: reports and the highest diagnosis per closed minute and chain.</item>
/// <item><c>chain_devices_hour</c> / <c>_day</c>: exact device sets per bucket and chain (8-byte device ids, as the
/// failure device sets).</item>
/// <item><c>chain_counts_hour</c> / <c>_day</c>: the served rows, per bucket, grouping (<c>dims</c> 0: leaf over all
/// apps, 1: app and leaf) and group: reports, exact distinct devices, highest diagnosis.</item>
/// </list>
/// All but <c>failure_chains</c> are partitioned by UTC day and dropped by retention with the reports.
/// </remarks>
internal static class ChainSchemaSql
{
    public static readonly string[] Tables = ["chain_rollups_minute", "chain_devices_hour", "chain_devices_day", "chain_counts_hour", "chain_counts_day"];
}
