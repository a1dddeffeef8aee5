namespace ReportApi.Diagnosis;

/// <summary>
/// SQL of <c>ReportApi rediagnose</c>: a run per requested range keeps its keyset cursor, so an interrupted run resumes
/// where its last committed batch ended, and a finished one starts over (after a rule change that is the point).
/// </summary>
internal static class RediagnoseSql
{
    /// <summary>
    /// $1 from, $2 to, $3 now, $4 restart: the run's cursor, reset when the run finished or a restart is asked. The
    /// cursor starts at (from, nil uuid): every report of the range sorts after it.
    /// </summary>
    public const string Start = """
        INSERT INTO rediagnose_runs AS r (range_from, range_to, cursor_received_at, cursor_id, processed, changed, started_at, updated_at)
        VALUES ($1, $2, $1, '00000000-0000-0000-0000-000000000000', 0, 0, $3, $3)
        ON CONFLICT (range_from, range_to) DO UPDATE SET
            cursor_received_at = CASE WHEN r.finished_at IS NOT NULL OR $4 THEN $1 ELSE r.cursor_received_at END,
            cursor_id = CASE WHEN r.finished_at IS NOT NULL OR $4 THEN '00000000-0000-0000-0000-000000000000'::uuid ELSE r.cursor_id END,
            processed = CASE WHEN r.finished_at IS NOT NULL OR $4 THEN 0 ELSE r.processed END,
            changed = CASE WHEN r.finished_at IS NOT NULL OR $4 THEN 0 ELSE r.changed END,
            started_at = CASE WHEN r.finished_at IS NOT NULL OR $4 THEN $3 ELSE r.started_at END,
            finished_at = NULL,
            updated_at = $3
        RETURNING cursor_received_at, cursor_id, processed, changed
        """;

    /// <summary>
    /// $1 ids, $2 receive times, $3 previous codes, $4 new codes: only reports still holding the code this run read are
    /// changed (a concurrent deferred pass or run wins; this one then leaves the report alone). Returns what changed.
    /// </summary>
    public const string Update = """
        UPDATE reports r SET diagnosis = u.code
        FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) AS u (id, received_at, previous, code)
        WHERE r.id = u.id AND r.received_at = u.received_at AND r.diagnosis = u.previous AND u.code <> u.previous
        RETURNING r.id, r.received_at, u.previous
        """;

    /// <summary>A diagnosed report needs no deferred pass any more.</summary>
    public const string RemoveBacklog = "DELETE FROM diagnosis_backlog WHERE report_id = ANY($1)";

    /// <summary>$1 from, $2 to, $3 cursor time, $4 cursor id, $5 processed in this batch, $6 changed, $7 now, $8 finished.</summary>
    public const string Advance = """
        UPDATE rediagnose_runs SET cursor_received_at = $3, cursor_id = $4, processed = processed + $5, changed = changed + $6,
            updated_at = $7, finished_at = CASE WHEN $8 THEN $7 END
        WHERE range_from = $1 AND range_to = $2
        """;
}
