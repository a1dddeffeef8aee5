using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class FailureSeenSeries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue #12, hand-written, no change to the EF model or to any table: failure_seen_series, the series that
            // failed in a window (for the failure-rate denominators), read from the coarsest rollups that hold them.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION failure_seen_series(p_from timestamptz, p_to timestamptz) RETURNS SETOF integer
                LANGUAGE plpgsql STABLE
                SET jit = off
                AS $fn$
                BEGIN
                    RETURN QUERY EXECUTE $q$
                    WITH edge AS (
                        SELECT coalesce((SELECT w.at FROM rollup_watermarks w WHERE w.edge = 'closed'), '-infinity'::timestamptz) AS closed
                    ), late AS MATERIALIZED (
                        SELECT l.minute FROM rollup_dirty_minutes l WHERE l.minute >= $1 AND l.minute < $2
                    ), whole_days AS MATERIALIZED (
                        SELECT d.s, least(d.s + interval '1 day', e.closed) AS e
                        FROM edge e, generate_series(date_trunc('day', $1, 'UTC'), $2 - interval '1 day', interval '1 day') AS d (s)
                        WHERE d.s >= $1 AND d.s < e.closed
                          AND NOT EXISTS (SELECT 1 FROM late l WHERE l.minute >= d.s AND l.minute < d.s + interval '1 day')
                    ), whole_hours AS MATERIALIZED (
                        SELECT h.s, least(h.s + interval '1 hour', e.closed) AS e
                        FROM edge e, generate_series(date_trunc('hour', $1, 'UTC'), $2 - interval '1 hour', interval '1 hour') AS h (s)
                        WHERE h.s >= $1 AND h.s < e.closed
                          AND NOT EXISTS (SELECT 1 FROM late l WHERE l.minute >= h.s AND l.minute < h.s + interval '1 hour')
                          AND NOT EXISTS (SELECT 1 FROM whole_days w WHERE h.s >= w.s AND h.s < w.s + interval '1 day')
                    ), covered AS (
                        SELECT s, e FROM whole_days UNION ALL SELECT s, e FROM whole_hours
                    ), gaps AS (
                        -- The covered stretches are disjoint and ordered: the gaps are between them and after the last one.
                        SELECT coalesce(lag(c.e) OVER (ORDER BY c.s), $1) AS s, c.s AS e FROM covered c
                        UNION ALL
                        SELECT coalesce(max(c.e), $1), $2 FROM covered c
                    ), seen AS (
                        SELECT r.series_id FROM whole_days w JOIN failure_rollups_day r ON r.bucket = w.s
                        WHERE r.bucket >= $1 AND r.bucket < $2
                        UNION
                        SELECT r.series_id FROM whole_hours w JOIN failure_rollups_hour r ON r.bucket = w.s
                        WHERE r.bucket >= $1 AND r.bucket < $2
                        UNION
                        SELECT r.series_id FROM gaps g JOIN failure_rollups_minute r ON r.bucket >= g.s AND r.bucket < g.e
                        WHERE g.s < g.e AND r.bucket >= $1 AND r.bucket < $2
                    )
                    SELECT series_id FROM seen
                    $q$ USING p_from, p_to;
                END
                $fn$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The previous release does not call it.
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS failure_seen_series(timestamptz, timestamptz);");
        }
    }
}
