using ReportApi.Domain.Certificates;

namespace ReportApi.Diagnosis;

/// <summary>
/// A stored report with the verdict the current rules give it (recomputed from its stored chain): what rediagnose and
/// the deferred-diagnosis pass compare with the stored code.
/// </summary>
internal sealed record StoredVerdict(
    Guid Id, DateTimeOffset ReceivedAt, string NotedHostname, string StoredCode, Domain.Diagnosis.Diagnosis Verdict,
    ParsedChain Validated, ParsedChain? Served);

/// <summary>
/// Stored reports re-diagnosed, read on the primary. Owned here and implemented by the report queries
/// (Query/ReportQueries), which already read a report with its chains: the diagnosis side needs them without depending
/// on the query feature, which itself depends on the diagnosis for its explanations.
/// </summary>
internal interface IStoredVerdicts
{
    /// <summary>One report; null when it does not exist (retention dropped its partition).</summary>
    Task<StoredVerdict?> FindVerdictAsync(Guid id, CancellationToken ct);

    /// <summary>Reports received in [from, to) after the (receive time, id) cursor, in that order, at most <paramref name="limit"/>.</summary>
    Task<List<StoredVerdict>> RangeAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset afterReceivedAt, Guid afterId, int limit, CancellationToken ct);
}
