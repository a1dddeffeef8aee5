namespace ReportApi.Ingestion;

/// <summary>
/// SQL of deferred diagnoses (issue 21). <c>diagnosis_backlog</c> lists stored reports whose diagnosis the slow path
/// had no room for; they are stored as <c>unknown</c> and the background pass fills the real code in.
/// </summary>
internal static class DeferredDiagnosisSql
{
    /// <summary>
    /// In the writer's transaction, after the insert: the deferred reports of the batch that were really stored (a
    /// duplicate was not, and keeps the stored original's diagnosis).
    /// </summary>
    public const string Record = """
        INSERT INTO diagnosis_backlog (report_id, received_at, deferred_at)
        SELECT u.id, u.received_at, $3 FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, received_at)
        WHERE EXISTS (SELECT 1 FROM reports r WHERE r.id = u.id AND r.received_at = u.received_at)
        ON CONFLICT (report_id) DO NOTHING
        """;

    /// <summary>Oldest first. No lock: diagnosing a row twice (two replicas) is harmless, a long transaction is not.</summary>
    public const string Claim = """
        SELECT report_id, received_at FROM diagnosis_backlog ORDER BY deferred_at LIMIT $1
        """;

    /// <summary>
    /// Fills in the diagnosis of reports still marked unknown, returning the ones changed: their rollup counts then move
    /// from the <c>unknown</c> series to the real one (<see cref="Diagnosis.RollupMove"/>, issue 13), so the rollups'
    /// diagnosis dimension agrees with <c>reports</c>.
    /// </summary>
    public const string Fill = """
        UPDATE reports r SET diagnosis = u.code
        FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS u (id, received_at, code)
        WHERE r.id = u.id AND r.received_at = u.received_at AND r.diagnosis = 'unknown' AND u.code <> 'unknown'
        RETURNING r.id, r.received_at
        """;

    public const string Remove = "DELETE FROM diagnosis_backlog WHERE report_id = ANY($1)";
}
