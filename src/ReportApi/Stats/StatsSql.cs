namespace ReportApi.Stats;

/// <summary>
/// The stats feature's SQL. User input only ever arrives as parameters; the only text spliced in is
/// <c>failure_series</c> column names taken from a whitelist (<see cref="StatsDimension"/>).
/// </summary>
/// <remarks>
/// Parameters: $1 from, $2 to (whole buckets), $3 step (interval), $4..$9 filters on app, version, platform,
/// hostname, noted hostname, diagnosis (NULL = any), $10 the serving grain, $11 the grouping mask. Counts and exact
/// distinct devices come from <c>failure_stats(...)</c> (see <c>ServingSchemaSql</c>): closed buckets from the
/// serving tables the rollup closer keeps, the open bucket counted live.
/// <para>
/// The answer is sparse (issue #12: the zero-filled cross product of buckets and groups, 7,200 rows for a month by five
/// dimensions, cost more than the counts): rows of kind 0 are the non-empty buckets of each group, rows of kind 1 the
/// known, non-zero denominators of each group and UTC day. <see cref="FailureStatsReader"/> zero-fills while it streams.
/// Ordered by group, then time (a day's denominator before its buckets).
/// </para>
/// <para>
/// A group's denominator for a day is the sum of the active devices of the (app, version, platform) tuples that failed
/// in the group during the window, known only if every one of them has an activity row for that day. Which tuples
/// failed needs no device count, only which series have a rollup row in the window (<see cref="SeenSeries"/>).
/// </para>
/// </remarks>
internal static class StatsSql
{
    public static string Failures(IReadOnlyList<string> columns)
    {
        var fromTuples = string.Concat(columns.Select(c => $", t.{c}"));
        var seriesColumns = string.Concat(columns.Select(c => $", s.{c}"));
        var keyOut = string.Concat(columns.Select(c => $", c.{c}"));
        var actOut = string.Concat(columns.Select(c => $", a.{c}"));
        var order = string.Concat(columns.Select((_, i) => $"{3 + i}, "));
        return $"""
            WITH f AS (
                SELECT * FROM failure_stats($10::text, $1, $2, $11::integer, $4, $5, $6, $7, $8, $9)
            ), {SeenSeries}, tuples AS (
                SELECT DISTINCT s.app AS t_app, s.version AS t_version, s.platform AS t_platform{seriesColumns}
                FROM failure_series s
                WHERE s.id IN (SELECT series_id FROM seen)
                  AND ($4::text IS NULL OR s.app = $4) AND ($5::text IS NULL OR s.version = $5) AND ($6::text IS NULL OR s.platform = $6)
                  AND ($7::text IS NULL OR s.hostname = $7) AND ($8::text IS NULL OR s.noted_hostname = $8) AND ($9::text IS NULL OR s.diagnosis = $9)
            ), activity AS (
                SELECT k.day{fromTuples}, sum(a.active_devices)::bigint AS active_devices
                FROM generate_series(date_trunc('day', $1, 'UTC'), $2 - $3, interval '1 day') AS k (day)
                CROSS JOIN tuples t
                LEFT JOIN app_activity a
                  ON a.app = t.t_app AND a.version = t.t_version AND a.platform = t.t_platform AND a.day = (k.day AT TIME ZONE 'UTC')::date
                GROUP BY k.day{fromTuples}
                -- Unknown (a tuple without a row) or zero: no rate, so no row.
                HAVING bool_and(a.active_devices IS NOT NULL) AND sum(a.active_devices) > 0
            )
            SELECT 0 AS kind, c.bucket{keyOut},
                   c.reports, c.duplicates, c.reports_enforced, c.reports_report_only, c.devices, c.devices_enforced, c.devices_report_only,
                   NULL::bigint
            FROM f c
            UNION ALL
            SELECT 1, a.day{actOut}, 0, 0, 0, 0, 0, 0, 0, a.active_devices
            FROM activity a
            ORDER BY {order}2, 1 DESC
            """;
    }

    /// <summary>
    /// <c>seen</c>: the series with a rollup row in [$1, $2), i.e. the series that failed in the window, read from the
    /// coarsest rollups that hold them exactly. A day or hour bucket that starts inside the window, before the closed
    /// edge, with no late-write mark, has rollups recomputed by the closer from every minute of [start, closed edge)
    /// (a release before the closer kept them complete): its rollup rows name its series. The minutes no such bucket
    /// covers (the open minutes after the edge, late-marked hours, a window's ragged ends) are read from the minute
    /// rollups. A month is then ≈ 30 × 240 day rows plus today's hours, not 10 million minute rows; the last hour is one
    /// hour's rows plus the open minute, not 14,400 minute rows recounted by <c>failure_stats</c> (the earlier
    /// denominator path).
    /// </summary>
    public const string SeenSeries = """
        edge AS (
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
        """;

    /// <summary>The grouping mask of <c>failure_stats</c> for these <c>failure_series</c> columns.</summary>
    public static int Mask(IEnumerable<string> columns) => columns.Aggregate(0, (mask, c) => mask | Data.ServingDimensions.Bit(c));

    /// <summary>Upserts denominators from parallel arrays ($1 app, $2 version, $3 platform, $4 day, $5 active devices; $6 now).</summary>
    public const string UpsertActivity = """
        INSERT INTO app_activity (app, version, platform, day, active_devices, updated_at)
        SELECT a.app, a.version, a.platform, a.day, a.active_devices, $6
        FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::bigint[]) AS a (app, version, platform, day, active_devices)
        ON CONFLICT (app, version, platform, day) DO UPDATE SET
            active_devices = excluded.active_devices, updated_at = excluded.updated_at
        """;
}
