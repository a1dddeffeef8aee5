namespace ReportApi.Rollups;

/// <summary>The minutes a late commit touched after the closer counted them: the SQL both writers of closed minutes add to their statement.</summary>
internal static class LateMinutesSql
{
    /// <summary>
    /// A receive time is stamped before its batch commits, so a batch can land in a minute the rollup closer has
    /// already counted. Such minutes are recorded here, in the same transaction, for the closer to recount (and reads
    /// count them live until it has). Reading the closing edge FOR SHARE is what makes this exact: the closer moves the
    /// edge with an UPDATE, which waits for every batch holding the share lock, so a batch either committed before the
    /// closer's snapshot or sees the new edge. Costs one row lock per batch; a row only for late minutes. The CTEs read
    /// the minutes of <paramref name="rows"/> (a CTE with <c>received_at</c>); shared by ingest (IngestSql.InsertFresh) and by a
    /// diagnosis move (<see cref="RollupMove"/>), the two writers that can touch a closed minute.
    /// </summary>
    public static string Of(string rows) => $"""
        , closing AS (
            SELECT at FROM rollup_watermarks WHERE edge = 'closing' FOR SHARE
        ), late AS (
            INSERT INTO rollup_dirty_minutes (minute)
            SELECT DISTINCT date_trunc('minute', c.received_at, 'UTC') FROM {rows} c, closing w WHERE c.received_at < w.at
            ON CONFLICT DO NOTHING
        )
        """;
}
