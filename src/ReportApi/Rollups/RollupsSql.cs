using ReportApi.Data;

namespace ReportApi.Rollups;

/// <summary>
/// The rollup closer's SQL (issue #12). Grain table names and grouping masks come from <see cref="ServingGrain"/>;
/// everything else is a parameter.
/// </summary>
internal static class RollupsSql
{
    /// <summary>Session-level: one closer at a time; device deletion waits for it with the same key (xact-level).</summary>
    public const long LockKey = 0x50_52_43_4C_4F_53_45; // "PRCLOSE"

    public const string TryLock = "SELECT pg_try_advisory_lock($1)";
    public const string Unlock = "SELECT pg_advisory_unlock($1)";
    public const string WaitForCloser = "SELECT pg_advisory_xact_lock($1)";

    public const string ReadEdges = "SELECT edge, at FROM rollup_watermarks";

    /// <summary>
    /// Moves the closing edge (its own short transaction: the UPDATE waits for the batches that read the old edge FOR
    /// SHARE, and new batches wait for this commit, so it must not hold the lock while folding).
    /// </summary>
    public const string AdvanceClosing = "UPDATE rollup_watermarks SET at = $1 WHERE edge = 'closing' AND (at IS NULL OR at < $1)";

    public const string WriteEdge = "UPDATE rollup_watermarks SET at = $2 WHERE edge = $1";

    /// <summary>First run of a new database: fold from the oldest minute written before the closer existed.</summary>
    public const string OldestMinute = "SELECT min(bucket) FROM failure_rollups_minute";

    /// <summary>
    /// Late-write marks below the fold's upper edge are taken by this transaction (and restored by its rollback), and
    /// handed on to the alert evaluator in the same transaction (<c>alert_dirty_minutes</c>): it stores closed baseline
    /// windows and must drop those a late minute changed, whenever it runs next, so a mark is never lost between the two.
    /// </summary>
    public const string TakeDirty = """
        WITH taken AS (
            DELETE FROM rollup_dirty_minutes WHERE minute < $1 RETURNING minute
        ), handed AS (
            INSERT INTO alert_dirty_minutes (minute) SELECT minute FROM taken ON CONFLICT DO NOTHING
        )
        SELECT minute FROM taken
        """;

    /// <summary>Which of $1 (buckets) the closer has counted: the grand-total row exists for every counted bucket with data.</summary>
    public static string Counted(ServingGrain g) =>
        $"SELECT bucket FROM {g.Table} WHERE dims = 0 AND bucket = ANY($1) AND bucket >= $2 AND bucket < $3";

    /// <summary>
    /// Folds the minute device rows of [$1, $2) and of the late minutes $3 into the grain's device set and, for the
    /// buckets already counted ($4), adds each device to the groups (of masks $5) that did not hold it yet. The
    /// statement's snapshot does not see the rows its own INSERT adds, so "did not hold it" is judged against the set
    /// before this fold, and a device new to the bucket in two series of one group counts once.
    /// </summary>
    /// <remarks>
    /// Scales with series × masks + devices, not devices × masks (a flood minute brings 500,000 never-seen devices;
    /// × 64 masks with three probes each took minutes, issue #12): a device the bucket's set did not hold in any series
    /// before this fold, arriving in exactly one series, is new to every group of that series and to no other, in
    /// every grouping, and its enforced/report-only flags are that series' own. Those devices are counted per series
    /// and the counts rolled up through the masks. Devices new to the bucket in two or more series are counted per set of
    /// series (nothing held them: no probe; <see cref="SeveralSeries"/>); only devices the set already held take the
    /// per-group probes (did the set hold it for this group, enforced, report-only). Whether the set held a device is
    /// one probe per device.
    /// </remarks>
    public static string FoldDevices(ServingGrain g) => $"""
        WITH cand AS (
            SELECT date_trunc('{g.DeviceGrain}', m.bucket, 'UTC') AS bucket, m.series_id, m.device_id
            FROM failure_devices_minute m WHERE m.bucket >= $1 AND m.bucket < $2
            UNION
            SELECT date_trunc('{g.DeviceGrain}', m.bucket, 'UTC'), m.series_id, m.device_id
            FROM failure_devices_minute m WHERE m.bucket = ANY($3)
        ), ins AS (
            INSERT INTO failure_devices_{g.DeviceGrain} AS t (bucket, series_id, device_id)
            SELECT bucket, series_id, device_id FROM cand ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING t.bucket, t.series_id, t.device_id
        ), added AS MATERIALIZED (
            SELECT i.bucket, i.series_id, i.device_id FROM ins i WHERE i.bucket = ANY($4)
        ), per_device AS MATERIALIZED (
            -- known: the set held the device before this fold, in any series (one probe per device); only such a device
            -- can already count in a group.
            SELECT a.bucket, a.device_id, min(a.series_id) AS lo, max(a.series_id) AS hi,
                   EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = a.bucket AND x.device_id = a.device_id) AS known
            FROM added a GROUP BY 1, 2
        ), lone_series AS (
            -- New to the bucket and in one series: one more device in that series' group of every grouping.
            SELECT p.bucket, p.lo AS series_id, count(*) AS n FROM per_device p WHERE p.lo = p.hi AND NOT p.known GROUP BY 1, 2
        ), {SeveralSeries("added", "p.lo < p.hi AND NOT p.known", "$5")}
        ), rest AS (
            SELECT a.bucket, a.series_id, a.device_id
            FROM added a JOIN per_device p ON p.bucket = a.bucket AND p.device_id = a.device_id
            WHERE p.known
        ), fresh AS (
            SELECT r.bucket, ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, r.device_id,
                   bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
            FROM rest r JOIN failure_series s ON s.id = r.series_id CROSS JOIN unnest($5::smallint[]) AS ds (dims)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ), grp AS (
            -- The series of every group of every grouping, so "did the set hold the device for the group" is one
            -- probe on (bucket, device_id) filtered to them.
            SELECT ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, array_agg(s.id) AS ids,
                   array_agg(s.id) FILTER (WHERE s.enforce = 1) AS enforced_ids, array_agg(s.id) FILTER (WHERE s.enforce = 0) AS report_only_ids
            FROM failure_series s CROSS JOIN unnest($5::smallint[]) AS ds (dims)
            WHERE EXISTS (SELECT 1 FROM rest)
            GROUP BY 1, 2, 3, 4, 5, 6, 7
        ), probed AS (
            SELECT f.*,
                   EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = f.bucket AND x.device_id = f.device_id AND x.series_id = ANY (gr.ids)) AS had,
                   EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = f.bucket AND x.device_id = f.device_id AND x.series_id = ANY (gr.enforced_ids)) AS had_enf,
                   EXISTS (SELECT 1 FROM failure_devices_{g.DeviceGrain} x WHERE x.bucket = f.bucket AND x.device_id = f.device_id AND x.series_id = ANY (gr.report_only_ids)) AS had_ro
            FROM fresh f JOIN grp gr ON (gr.dims, {ServingDimensions.List("gr")}) = (f.dims, {ServingDimensions.List("f")})
        ), gains AS (
            SELECT l.bucket, ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, l.n AS devices,
                   CASE WHEN s.enforce = 1 THEN l.n ELSE 0 END AS devices_enforced, CASE WHEN s.enforce = 0 THEN l.n ELSE 0 END AS devices_report_only
            FROM lone_series l JOIN failure_series s ON s.id = l.series_id CROSS JOIN unnest($5::smallint[]) AS ds (dims)
            UNION ALL
            {SeveralGains()}
            UNION ALL
            SELECT p.bucket, p.dims, {ServingDimensions.List("p")},
                   count(*) FILTER (WHERE NOT p.had), count(*) FILTER (WHERE p.enf AND NOT p.had_enf), count(*) FILTER (WHERE p.ro AND NOT p.had_ro)
            FROM probed p
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        )
        INSERT INTO {g.Table} AS c (bucket, dims, {ServingDimensions.Bare}, reports, duplicates, reports_enforced, reports_report_only,
                                   devices, devices_enforced, devices_report_only)
        SELECT n.bucket, n.dims, {ServingDimensions.List("n")}, 0, 0, 0, 0, sum(n.devices), sum(n.devices_enforced), sum(n.devices_report_only)
        FROM gains n
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (bucket, dims, {ServingDimensions.Bare}) DO UPDATE SET
            devices = c.devices + excluded.devices,
            devices_enforced = c.devices_enforced + excluded.devices_enforced,
            devices_report_only = c.devices_report_only + excluded.devices_report_only
        """;

    /// <summary>
    /// Recomputes the hour rollups of the hours $1 from the minute rollups of their closed minutes (before $2), and
    /// their per-series device counts from the hour device set. A recomputation, not an increment, so a late minute
    /// folded twice is still counted once.
    /// </summary>
    public const string RecomputeHourRollups = """
        WITH sums AS (
            SELECT date_trunc('hour', m.bucket, 'UTC') AS bucket, m.series_id, sum(m.reports)::int AS reports, sum(m.duplicates)::int AS duplicates
            FROM failure_rollups_minute m
            WHERE m.bucket >= $3 AND m.bucket < $2 AND date_trunc('hour', m.bucket, 'UTC') = ANY($1)
            GROUP BY 1, 2
        ), devs AS (
            SELECT bucket, series_id, count(*)::int AS devices FROM failure_devices_hour WHERE bucket = ANY($1) GROUP BY 1, 2
        )
        INSERT INTO failure_rollups_hour AS r (bucket, series_id, reports, duplicates, devices)
        SELECT s.bucket, s.series_id, s.reports, s.duplicates, coalesce(d.devices, 0)
        FROM sums s LEFT JOIN devs d USING (bucket, series_id)
        ORDER BY 1, 2
        ON CONFLICT (bucket, series_id) DO UPDATE SET
            reports = excluded.reports, duplicates = excluded.duplicates, devices = excluded.devices
        """;

    /// <summary>The day rollups of the days $1, from their hour rollups.</summary>
    public const string RecomputeDayRollups = """
        WITH sums AS (
            SELECT date_trunc('day', h.bucket, 'UTC') AS bucket, h.series_id, sum(h.reports)::int AS reports, sum(h.duplicates)::int AS duplicates
            FROM failure_rollups_hour h
            WHERE h.bucket >= $2 AND h.bucket < $3 AND date_trunc('day', h.bucket, 'UTC') = ANY($1)
            GROUP BY 1, 2
        ), devs AS (
            SELECT bucket, series_id, count(*)::int AS devices FROM failure_devices_day WHERE bucket = ANY($1) GROUP BY 1, 2
        )
        INSERT INTO failure_rollups_day AS r (bucket, series_id, reports, duplicates, devices)
        SELECT s.bucket, s.series_id, s.reports, s.duplicates, coalesce(d.devices, 0)
        FROM sums s LEFT JOIN devs d USING (bucket, series_id)
        ORDER BY 1, 2
        ON CONFLICT (bucket, series_id) DO UPDATE SET
            reports = excluded.reports, duplicates = excluded.duplicates, devices = excluded.devices
        """;

    /// <summary>Report counts of counted hour or day buckets $1 (masks $2), from the recomputed rollups; devices untouched.</summary>
    public static string UpsertCounts(ServingGrain g) => $"""
        INSERT INTO {g.Table} AS c (bucket, dims, {ServingDimensions.Bare}, reports, duplicates, reports_enforced, reports_report_only,
                                   devices, devices_enforced, devices_report_only)
        SELECT r.bucket, ds.dims, {ServingDimensions.Key("ds.dims", "s")},
               sum(r.reports), sum(r.duplicates),
               coalesce(sum(r.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(r.reports) FILTER (WHERE s.enforce = 0), 0),
               0, 0, 0
        FROM failure_rollups_{g.DeviceGrain} r JOIN failure_series s ON s.id = r.series_id CROSS JOIN unnest($2::smallint[]) AS ds (dims)
        WHERE r.bucket = ANY($1) AND r.bucket >= $3 AND r.bucket < $4
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (bucket, dims, {ServingDimensions.Bare}) DO UPDATE SET
            reports = excluded.reports, duplicates = excluded.duplicates,
            reports_enforced = excluded.reports_enforced, reports_report_only = excluded.reports_report_only
        """;

    public static string DeleteCounts(ServingGrain g) => $"DELETE FROM {g.Table} WHERE bucket = ANY($1) AND bucket >= $2 AND bucket < $3";

    /// <summary>
    /// Counts buckets $1 (masks $2) from scratch: reports from the rollups, exact devices from the device set
    /// (minute rows for the minute grains). For buckets the closer meets for the first time, the backfill of buckets
    /// written before the closer existed, and late minutes of the minute grains. $3/$4 bound the scan (pruning).
    /// </summary>
    /// <remarks>
    /// Devices scale with series × masks + devices, not devices × masks (a flood minute of 500,000 devices × 22 masks
    /// was 11 M rows through one GROUP BY, issue #12): a device that occurs in exactly one series of the bucket counts
    /// once in that series' group of every grouping, with that series' enforce flag, so those devices are counted per
    /// series and rolled up through the masks. Devices in two or more series of the bucket (a group may hold several of
    /// their series) are counted per set of series (<see cref="SeveralSeries"/>).
    /// </remarks>
    public static string Recount(ServingGrain g)
    {
        var bin = g.HasOwnDeviceSet ? "x.bucket" : $"date_bin(interval '{g.SqlStep}', x.bucket, timestamptz '2000-01-01 00:00:00+00')";
        return $"""
            WITH rows AS MATERIALIZED (
                SELECT y.bucket, y.series_id, y.device_id
                FROM (SELECT {bin} AS bucket, x.series_id, x.device_id FROM failure_devices_{g.DeviceGrain} x
                      WHERE x.bucket >= $3 AND x.bucket < $4) y
                WHERE y.bucket = ANY($1)
            ), per_device AS MATERIALIZED (
                SELECT r.bucket, r.device_id, min(r.series_id) AS lo, max(r.series_id) AS hi FROM rows r GROUP BY 1, 2
            ), lone_series AS (
                SELECT p.bucket, p.lo AS series_id, count(*) AS n FROM per_device p WHERE p.lo = p.hi GROUP BY 1, 2
            ), {SeveralSeries("rows", "p.lo < p.hi", "$2")}
            ), d AS (
                SELECT u.bucket, u.dims, {ServingDimensions.List("u")}, sum(u.devices)::bigint AS devices,
                       sum(u.devices_enforced)::bigint AS devices_enforced, sum(u.devices_report_only)::bigint AS devices_report_only
                FROM (
                    SELECT l.bucket, ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, l.n AS devices,
                           CASE WHEN s.enforce = 1 THEN l.n ELSE 0 END AS devices_enforced,
                           CASE WHEN s.enforce = 0 THEN l.n ELSE 0 END AS devices_report_only
                    FROM lone_series l JOIN failure_series s ON s.id = l.series_id CROSS JOIN unnest($2::smallint[]) AS ds (dims)
                    UNION ALL
                    {SeveralGains()}
                ) u
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            )
            INSERT INTO {g.Table} (bucket, dims, {ServingDimensions.Bare}, reports, duplicates, reports_enforced, reports_report_only,
                                   devices, devices_enforced, devices_report_only)
            SELECT c.bucket, c.dims, {ServingDimensions.List("c")}, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                   coalesce(d.devices, 0), coalesce(d.devices_enforced, 0), coalesce(d.devices_report_only, 0)
            FROM (
                SELECT y.bucket, ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")},
                       sum(y.reports) AS reports, sum(y.duplicates) AS duplicates,
                       coalesce(sum(y.reports) FILTER (WHERE s.enforce = 1), 0) AS reports_enforced,
                       coalesce(sum(y.reports) FILTER (WHERE s.enforce = 0), 0) AS reports_report_only
                FROM (SELECT {bin} AS bucket, x.series_id, x.reports, x.duplicates FROM failure_rollups_{g.DeviceGrain} x
                      WHERE x.bucket >= $3 AND x.bucket < $4) y
                JOIN failure_series s ON s.id = y.series_id CROSS JOIN unnest($2::smallint[]) AS ds (dims)
                WHERE y.bucket = ANY($1)
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ) c
            LEFT JOIN d USING (bucket, dims, {ServingDimensions.Bare})
            """;
    }

    /// <summary>
    /// CTEs <c>set_counts</c> and <c>several</c>: the devices of <paramref name="rows"/> (bucket, series_id, device_id)
    /// whose <c>per_device</c> row (alias p) passes <paramref name="filter"/> (in several series of the bucket), for the
    /// grouping masks <paramref name="masks"/>, counted per set of series: a device counts once in each group its series
    /// fall in, enforced (report-only) where one of them is, so devices with the same set count alike and the groupings
    /// are rolled up per set (a few hundred), not per device (15,000 in the flood minute, × 64 masks).
    /// </summary>
    private static string SeveralSeries(string rows, string filter, string masks) => $"""
        set_counts AS (
                SELECT v.bucket, v.ids, count(*) AS n
                FROM (SELECT r.bucket, r.device_id, array_agg(DISTINCT r.series_id ORDER BY r.series_id) AS ids
                      FROM {rows} r JOIN per_device p ON p.bucket = r.bucket AND p.device_id = r.device_id
                      WHERE {filter}
                      GROUP BY 1, 2) v
                GROUP BY 1, 2
            ), several AS (
                SELECT c.bucket, ds.dims, {ServingDimensions.KeyAs("ds.dims", "s")}, c.ids, c.n,
                       bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                FROM set_counts c CROSS JOIN unnest(c.ids) AS u (series_id) JOIN failure_series s ON s.id = u.series_id
                CROSS JOIN unnest({masks}::smallint[]) AS ds (dims)
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        """;

    /// <summary>The device counts per group from <c>several</c> (see <see cref="SeveralSeries"/>).</summary>
    private static string SeveralGains() => $"""
        SELECT v.bucket, v.dims, {ServingDimensions.List("v")}, sum(v.n), coalesce(sum(v.n) FILTER (WHERE v.enf), 0), coalesce(sum(v.n) FILTER (WHERE v.ro), 0)
                    FROM several v
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        """;

    /// <summary>The newest minute with rollups before $1: where the next backfill day ends.</summary>
    public const string NewestMinuteBefore = "SELECT max(bucket) FROM failure_rollups_minute WHERE bucket < $1";

    /// <summary>Buckets of a grain with rollups in [$1, $2) (the backfill's day).</summary>
    public static string BucketsWithData(ServingGrain g) => g.HasOwnDeviceSet
        ? $"SELECT DISTINCT bucket FROM failure_rollups_{g.DeviceGrain} WHERE bucket >= $1 AND bucket < $2 ORDER BY 1"
        : $"SELECT DISTINCT date_bin(interval '{g.SqlStep}', bucket, timestamptz '2000-01-01 00:00:00+00') FROM failure_rollups_minute WHERE bucket >= $1 AND bucket < $2 ORDER BY 1";
}
