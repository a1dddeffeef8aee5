namespace ReportApi.Scope;

/// <summary>The out-of-scope tally's SQL (table in <c>Data/EvidenceSchemaSql.cs</c>).</summary>
internal static class ScopeSql
{
    /// <summary>
    /// Adds one flush ($1..$7 parallel arrays) to the tally. A key already in the table always lands on its row; a new key
    /// gets a row only while the table has fewer than $8 rows (most reports first), else it folds into '(other)'.
    /// </summary>
    public const string Flush = """
        WITH incoming AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[])
                AS t (app, platform, hostname, reason, reports, first_seen_at, last_seen_at)
        ), ranked AS (
            SELECT i.*, EXISTS (SELECT 1 FROM scope_rejections r
                                WHERE (r.app, r.platform, r.hostname, r.reason) = (i.app, i.platform, i.hostname, i.reason)) AS known,
                   row_number() OVER (ORDER BY i.reports DESC, i.app, i.platform, i.hostname) AS rank
            FROM incoming i
        ), placed AS (
            SELECT (known OR rank <= greatest($8 - (SELECT count(*) FROM scope_rejections), 0)) AS keep, * FROM ranked
        )
        INSERT INTO scope_rejections AS r (app, platform, hostname, reason, reports, first_seen_at, last_seen_at)
        SELECT CASE WHEN keep THEN app ELSE '(other)' END, CASE WHEN keep THEN platform ELSE '(other)' END,
               CASE WHEN keep THEN hostname ELSE '(other)' END, reason, sum(reports), min(first_seen_at), max(last_seen_at)
        FROM placed GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (app, platform, hostname, reason) DO UPDATE SET
            reports = r.reports + excluded.reports,
            first_seen_at = least(r.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(r.last_seen_at, excluded.last_seen_at)
        """;

    public const string Prune = "DELETE FROM scope_rejections WHERE last_seen_at < $1";

    public const string List = """
        SELECT app, platform, hostname, reason, reports, first_seen_at, last_seen_at FROM scope_rejections
        ORDER BY last_seen_at DESC LIMIT $1
        """;
}
