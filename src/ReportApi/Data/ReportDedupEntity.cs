namespace ReportApi.Data;

/// <summary>
/// Dedup keys of reports stored in the last 24 hours (docs/decisions/0005-duplicates-are-expected.md). A resent report whose key was stored
/// less than 24 h ago is acknowledged and counted as a duplicate; older keys are pruned by maintenance.
/// </summary>
public sealed class ReportDedupEntity
{
    public required byte[] DedupKey { get; init; }
    public required DateTimeOffset LastStoredAt { get; init; }
}
