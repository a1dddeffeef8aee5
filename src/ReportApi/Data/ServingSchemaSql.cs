namespace ReportApi.Data;

/// <summary>
/// The serving side of the rollups (issue #12): exact counts per closed bucket for every grouping, the closer's
/// watermarks, the late-write marks, and <c>failure_stats(...)</c>, the one read path that the API and the Grafana
/// panels share. Hand-written like the rollup tables (EF cannot declare partitioned tables or functions), so the EF
/// model does not change.
/// </summary>
/// <remarks>
/// How a bucket is read (one statement, one snapshot):
/// <list type="bullet">
/// <item><b>served</b>: the closer counted it (its <c>dims = 0</c> row exists), it ends at or before the closed edge,
/// and no late write touched it since: its row is the answer.</item>
/// <item><b>partial</b> (hour and day only): counted but still open: its row (everything folded so far) plus the
/// minutes after the closed edge, whose devices are counted only when the bucket's folded device set does not
/// already hold them for the group (an index probe per device, not a recount).</item>
/// <item><b>recount</b>: everything else (late writes pending, a grouping the grain does not store, buckets from
/// before the upgrade the closer has not backfilled yet): counted live from the device sets and rollups, exactly,
/// as before issue #12.</item>
/// </list>
/// </remarks>
internal static class ServingSchemaSql
{
    /// <summary>Partitioned like the rollups (daily, dropped by the same retention).</summary>
    public static readonly string[] Tables = [.. ServingGrain.All.Select(g => g.Table)];

    private const string Origin = "timestamptz '2000-01-01 00:00:00+00'";

    /// <summary>The grain a range is charted at (the API's default interval): Grafana panels use it so a week never reads minutes.</summary>
    public const string CreateGrainFunction = """
        CREATE OR REPLACE FUNCTION failure_grain(p_from timestamptz, p_to timestamptz) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN p_to - p_from <= interval '2 hours' THEN 'minute'
                        WHEN p_to - p_from <= interval '12 hours' THEN 'five_minute'
                        WHEN p_to - p_from <= interval '14 days' THEN 'hour'
                        ELSE 'day' END
        $$;
        """;

    /// <summary>
    /// <c>failure_seen_series(from, to)</c>: the series with a rollup row in [from, to), i.e. the series that failed in
    /// the window (the failure-rate denominators need which (app, version, platform) tuples occur, not how many devices).
    /// Read from the coarsest rollups that hold them exactly: a day or hour bucket that starts inside the window, before
    /// the closed edge, with no late-write mark, has rollups the closer recomputed from every minute of
    /// [start, closed edge) (the release before the closer kept them complete), so its rollup rows name its series. The
    /// minutes no such bucket covers (the open minutes after the edge, late-marked hours, a window's ragged ends) come
    /// from the minute rollups. A month is ≈ 30 × 240 day rows plus today's hours, not 10 million minute rows; the last
    /// hour one hour's rows plus the open minute, not the 14,400 minute rollups a second <c>failure_stats</c> call
    /// grouped by app, version and platform recounted (issue #12). STABLE: the caller's snapshot. PL/pgSQL with EXECUTE
    /// so it is planned with its values, and without JIT: inside the stats statement the planner's estimate for the
    /// minute part (millions of rows for ranges that read a few hundred) made the whole statement JIT-compile, 2 s.
    /// </summary>
    public const string CreateSeenSeriesFunction = """
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
        """;

    /// <summary>
    /// <c>failure_stats(grain, from, to, dims, app, version, platform, hostname, noted_hostname, diagnosis, devices)</c>:
    /// one row per bucket and group with reports, duplicates, the enforce split and exact distinct devices. <c>from</c>
    /// is floored and <c>to</c> ceiled to whole buckets; filters are ANDed into the grouping. STABLE, so the
    /// watermark, the late-write marks and the counts are read in the caller's snapshot. Dynamic SQL per grain so every
    /// call is planned with its values (partition pruning at plan time). JIT is off for it: measured, compiling the
    /// query cost 4.5 s of a 4.8 s call (docs/benchmarks.md).
    /// </summary>
    public static readonly string CreateStatsFunction = $$"""
        CREATE OR REPLACE FUNCTION failure_stats(
            p_grain text, p_from timestamptz, p_to timestamptz, p_dims integer,
            p_app text DEFAULT NULL, p_version text DEFAULT NULL, p_platform text DEFAULT NULL, p_hostname text DEFAULT NULL,
            p_noted_hostname text DEFAULT NULL, p_diagnosis text DEFAULT NULL, p_devices boolean DEFAULT true)
        RETURNS TABLE (bucket timestamptz, app text, version text, platform text, hostname text, noted_hostname text, diagnosis text,
            reports bigint, duplicates bigint, reports_enforced bigint, reports_report_only bigint,
            devices bigint, devices_enforced bigint, devices_report_only bigint)
        LANGUAGE plpgsql STABLE
        -- The planner's cost for the live part (estimated from generic row counts) is far above jit_above_cost, and
        -- compiling this query takes seconds; it runs in milliseconds without.
        SET jit = off
        AS $fn$
        DECLARE
            v_step interval;
            v_from timestamptz;
            v_to timestamptz;
            v_dims integer;
            v_closed timestamptz;
            v_stored boolean;
        BEGIN
            v_step := CASE p_grain WHEN 'minute' THEN interval '1 minute' WHEN 'five_minute' THEN interval '5 minutes'
                                   WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' END;
            IF v_step IS NULL THEN
                RAISE EXCEPTION 'failure_stats: unknown grain %', p_grain USING ERRCODE = '22023';
            END IF;
            v_from := date_bin(v_step, p_from, {{Origin}});
            v_to := date_bin(v_step, p_to, {{Origin}});
            IF v_to < p_to THEN v_to := v_to + v_step; END IF;
            IF v_from >= v_to THEN RETURN; END IF;
            v_dims := (p_dims & 63)
                | CASE WHEN p_app IS NULL THEN 0 ELSE 1 END | CASE WHEN p_version IS NULL THEN 0 ELSE 2 END
                | CASE WHEN p_platform IS NULL THEN 0 ELSE 4 END | CASE WHEN p_hostname IS NULL THEN 0 ELSE 8 END
                | CASE WHEN p_noted_hostname IS NULL THEN 0 ELSE 16 END | CASE WHEN p_diagnosis IS NULL THEN 0 ELSE 32 END;
            SELECT w.at INTO v_closed FROM rollup_watermarks w WHERE w.edge = 'closed';
            v_closed := coalesce(v_closed, '-infinity');
            v_stored := length(replace(v_dims::bit(6)::text, '0', '')) <= CASE WHEN p_grain IN ('minute', 'five_minute') THEN 2 ELSE 6 END;
        {{string.Concat(ServingGrain.All.Select(GrainBranch))}}
        END
        $fn$;
        """;

    private static string GrainBranch(ServingGrain g) => $"""
            IF p_grain = '{g.Name}' THEN
                IF p_devices THEN
                    RETURN QUERY EXECUTE $q${ReadQuery(g, true)}$q$
                    USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                ELSE
                    RETURN QUERY EXECUTE $q${ReadQuery(g, false)}$q$
                    USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                END IF;
            END IF;

        """;

    private static string Bare => ServingDimensions.Bare;

    private static string Filters(string alias) => string.Join(" AND ",
        ServingDimensions.Columns.Select((c, i) => $"(${5 + i}::text IS NULL OR {alias}.{c} = ${5 + i})"));

    /// <summary>
    /// The read of one grain. Parameters: $1 from, $2 to (whole buckets), $3 step, $4 grouping mask, $5..$10 filters,
    /// $11 closed edge (-infinity before the closer's first run), $12 whether this grain stores the mask.
    /// </summary>
    internal static string ReadQuery(ServingGrain g, bool devices)
    {
        var coarse = g.HasOwnDeviceSet;
        var s = ServingDimensions.List("s");
        var liveCounts = coarse
            ? $"""
                -- partial: the minutes not folded yet
                SELECT b.b, r.series_id, r.reports, r.duplicates
                FROM b JOIN failure_rollups_minute r ON r.bucket >= greatest(b.b, $11) AND r.bucket < b.e
                WHERE b.mode = 'p' AND r.bucket >= $1 AND r.bucket < $2
                UNION ALL
                -- recount: clean closed hours from the hour rollups (the closer recomputes an hour whenever it folds
                -- a minute of it), every other minute from the minute rollups
                SELECT b.b, r.series_id, r.reports, r.duplicates
                FROM b JOIN failure_rollups_hour r ON r.bucket >= b.b AND r.bucket < b.e
                WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2 AND r.bucket + interval '1 hour' <= $11
                  AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= r.bucket AND d.minute < r.bucket + interval '1 hour')
                UNION ALL
                SELECT h.b, r.series_id, r.reports, r.duplicates
                FROM (
                    SELECT b.b, hh.h FROM b CROSS JOIN LATERAL generate_series(b.b, b.e - interval '1 hour', interval '1 hour') AS hh (h)
                    WHERE b.mode = 'r' AND (hh.h + interval '1 hour' > $11
                        OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= hh.h AND d.minute < hh.h + interval '1 hour'))
                ) h
                JOIN failure_rollups_minute r ON r.bucket >= h.h AND r.bucket < h.h + interval '1 hour'
                WHERE r.bucket >= $1 AND r.bucket < $2
            """
            : """
                SELECT b.b, r.series_id, r.reports, r.duplicates
                FROM b JOIN failure_rollups_minute r ON r.bucket >= b.b AND r.bucket < b.e
                WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2
            """;
        var recountRows = coarse
            ? $"""
                SELECT b.b, d.series_id, d.device_id FROM b JOIN failure_devices_{g.DeviceGrain} d ON d.bucket = b.b
                WHERE b.mode = 'r' AND d.bucket >= $1 AND d.bucket < $2
                UNION ALL
                SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
                  AND (m.bucket >= $11 OR m.bucket IN (SELECT minute FROM dirty))
            """
            : """
                SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
            """;
        var partialDevices = coarse
            ? $"""
                SELECT n.b, {ServingDimensions.List("n")},
                       count(*) FILTER (WHERE NOT n.had) AS devices,
                       count(*) FILTER (WHERE n.enf AND NOT n.had_enf) AS devices_enforced,
                       count(*) FILTER (WHERE n.ro AND NOT n.had_ro) AS devices_report_only
                FROM (
                    -- Did the bucket's folded set already hold the device for the group (any, enforced, report-only
                    -- series of it)? One probe each on (bucket, device_id), filtered to the group's series.
                    SELECT n.*,
                           EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.ids)) AS had,
                           EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.enforced_ids)) AS had_enf,
                           EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.report_only_ids)) AS had_ro
                    FROM (
                        SELECT b.b, {s}, m.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                        FROM b JOIN failure_devices_minute m ON m.bucket >= greatest(b.b, $11) AND m.bucket < b.e
                        JOIN s ON s.id = m.series_id
                        WHERE b.mode = 'p' AND m.bucket >= $1 AND m.bucket < $2
                        GROUP BY b.b, {s}, m.device_id
                    ) n
                    JOIN grp gr ON ({ServingDimensions.List("gr")}) = ({ServingDimensions.List("n")})
                ) n
                GROUP BY n.b, {ServingDimensions.List("n")}
                UNION ALL
            """
            : "";
        var deviceCtes = devices
            ? $"""
            , live_devices AS (
            {partialDevices}
                SELECT y.b, {Bare}, count(*) AS devices, count(*) FILTER (WHERE y.enf) AS devices_enforced, count(*) FILTER (WHERE y.ro) AS devices_report_only
                FROM (
                    SELECT x.b, {s}, x.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                    FROM (
            {recountRows}
                    ) x JOIN s ON s.id = x.series_id
                    GROUP BY x.b, {s}, x.device_id
                ) y
                GROUP BY y.b, {Bare}
            )
            """
            : "";
        var deviceUnion = devices
            ? $"""
                UNION ALL
                SELECT ld.b, {ServingDimensions.List("ld")}, 0, 0, 0, 0, ld.devices, ld.devices_enforced, ld.devices_report_only FROM live_devices ld
            """
            : "";
        return $"""
            WITH s AS MATERIALIZED (
                SELECT f.id, f.enforce, {ServingDimensions.KeyAs("$4", "f")}
                FROM failure_series f
                WHERE {Filters("f")}
            ), grp AS MATERIALIZED (
                SELECT {Bare}, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                       array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                FROM s GROUP BY {Bare}
            ), dirty AS MATERIALIZED (
                SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
            ), b AS MATERIALIZED (
                SELECT g.b, g.b + $3 AS e,
                       CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                            WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM {g.Table} c WHERE c.bucket = g.b AND c.dims = 0)
                                THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE '{(coarse ? "p" : "r")}' END
                            ELSE 'r' END AS mode
                FROM generate_series($1, $2 - $3, $3) AS g (b)
            ), live_counts AS (
            {liveCounts}
            ){deviceCtes}
            SELECT u.b, {ServingDimensions.List("u")},
                   sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                   sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
            FROM (
                SELECT c.bucket AS b, {ServingDimensions.List("c")}, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                       c.devices, c.devices_enforced, c.devices_report_only
                FROM b JOIN {g.Table} c ON c.bucket = b.b AND c.dims = $4
                WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND {Filters("c")}
                UNION ALL
                SELECT lc.b, {s}, sum(lc.reports), sum(lc.duplicates),
                       coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                       0, 0, 0
                FROM live_counts lc JOIN s ON s.id = lc.series_id
                GROUP BY lc.b, {s}
            {deviceUnion}
            ) AS u (b, {Bare}, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
            GROUP BY u.b, {ServingDimensions.List("u")}
            """;
    }
}
