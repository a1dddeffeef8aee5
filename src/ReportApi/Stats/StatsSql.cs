namespace ReportApi.Stats;

/// <summary>
/// The stats feature's SQL. User input only ever arrives as parameters; the only text spliced in is a grain table
/// suffix and <c>failure_series</c> column names, both taken from whitelists (<see cref="StatsInterval"/>,
/// <see cref="StatsDimension"/>).
/// </summary>
/// <remarks>
/// Parameters: $1 from, $2 to (whole buckets), $3 step (interval), $4..$9 filters on app, version, platform,
/// hostname, noted hostname, diagnosis (NULL = any). Reports come from the count rollups; distinct devices from the
/// device sets of the grain that tiles the interval, deduplicated per bucket and group (a device failing on two
/// hostnames of one version is one device of that version). Every bucket of every group is returned, zero-filled.
/// A group's denominator for a day is the sum of the active devices of the (app, version, platform) tuples that
/// failed in the group during the window, and is known only if every one of them has an activity row for that day.
/// </remarks>
internal static class StatsSql
{
    private const string Origin = "timestamptz '2000-01-01 00:00:00+00'";

    public static string Failures(string grain, IReadOnlyList<string> columns)
    {
        var g = string.Concat(columns.Select(c => $", s.{c}"));
        var bare = string.Concat(columns.Select(c => $", {c}"));
        var fromTuples = string.Concat(columns.Select(c => $", t.{c}"));
        var groups = columns.Count == 0 ? "SELECT 1 AS one" : $"SELECT DISTINCT {string.Join(", ", columns)} FROM counts";
        string On(string alias) => string.Concat(columns.Select(c => $" AND {alias}.{c} = g.{c}"));
        var order = string.Concat(columns.Select(c => $"g.{c}, "));
        var outColumns = string.Concat(columns.Select(c => $", g.{c}"));
        return $"""
            WITH s AS MATERIALIZED (
                SELECT id, app, version, platform, noted_hostname, hostname, diagnosis, enforce
                FROM failure_series
                WHERE ($4::text IS NULL OR app = $4) AND ($5::text IS NULL OR version = $5)
                  AND ($6::text IS NULL OR platform = $6) AND ($7::text IS NULL OR hostname = $7)
                  AND ($8::text IS NULL OR noted_hostname = $8) AND ($9::text IS NULL OR diagnosis = $9)
            ), r AS (
                SELECT date_bin($3, r.bucket, {Origin}) AS b, r.series_id, sum(r.reports) AS reports, sum(r.duplicates) AS duplicates
                FROM failure_rollups_{grain} r
                WHERE r.bucket >= $1 AND r.bucket < $2 AND r.series_id IN (SELECT id FROM s)
                GROUP BY 1, 2
            ), counts AS (
                SELECT r.b{g}, sum(r.reports) AS reports, sum(r.duplicates) AS duplicates,
                       coalesce(sum(r.reports) FILTER (WHERE s.enforce = 1), 0) AS reports_enforced,
                       coalesce(sum(r.reports) FILTER (WHERE s.enforce = 0), 0) AS reports_report_only
                FROM r JOIN s ON s.id = r.series_id
                GROUP BY r.b{g}
            ), per_device AS (
                SELECT date_bin($3, d.bucket, {Origin}) AS b{g}, d.device_id,
                       bool_or(s.enforce = 1) AS enforced, bool_or(s.enforce = 0) AS report_only
                FROM failure_devices_{grain} d JOIN s ON s.id = d.series_id
                WHERE d.bucket >= $1 AND d.bucket < $2
                GROUP BY 1{g}, d.device_id
            ), devices AS (
                SELECT b{bare}, count(*) AS devices,
                       count(*) FILTER (WHERE enforced) AS devices_enforced,
                       count(*) FILTER (WHERE report_only) AS devices_report_only
                FROM per_device
                GROUP BY b{bare}
            ), g AS (
                {groups}
            ), tuples AS (
                SELECT DISTINCT s.app AS t_app, s.version AS t_version, s.platform AS t_platform{g}
                FROM r JOIN s ON s.id = r.series_id
            ), buckets AS (
                SELECT generate_series($1, $2 - $3, $3) AS b
            ), activity AS (
                SELECT k.day{fromTuples}, sum(a.active_devices) AS active_devices, bool_and(a.active_devices IS NOT NULL) AS known
                FROM (SELECT DISTINCT (b AT TIME ZONE 'UTC')::date AS day FROM buckets) k
                CROSS JOIN tuples t
                LEFT JOIN app_activity a
                  ON a.app = t.t_app AND a.version = t.t_version AND a.platform = t.t_platform AND a.day = k.day
                GROUP BY k.day{fromTuples}
            )
            SELECT bk.b{outColumns},
                   coalesce(c.reports, 0)::bigint, coalesce(c.duplicates, 0)::bigint,
                   coalesce(c.reports_enforced, 0)::bigint, coalesce(c.reports_report_only, 0)::bigint,
                   coalesce(d.devices, 0)::bigint, coalesce(d.devices_enforced, 0)::bigint, coalesce(d.devices_report_only, 0)::bigint,
                   CASE WHEN act.known THEN act.active_devices END::bigint
            FROM buckets bk CROSS JOIN g
            LEFT JOIN counts c ON c.b = bk.b{On("c")}
            LEFT JOIN devices d ON d.b = bk.b{On("d")}
            LEFT JOIN activity act ON act.day = (bk.b AT TIME ZONE 'UTC')::date{On("act")}
            ORDER BY {order}bk.b
            """;
    }

    /// <summary>Upserts denominators from parallel arrays ($1 app, $2 version, $3 platform, $4 day, $5 active devices; $6 now).</summary>
    public const string UpsertActivity = """
        INSERT INTO app_activity (app, version, platform, day, active_devices, updated_at)
        SELECT a.app, a.version, a.platform, a.day, a.active_devices, $6
        FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::bigint[]) AS a (app, version, platform, day, active_devices)
        ON CONFLICT (app, version, platform, day) DO UPDATE SET
            active_devices = excluded.active_devices, updated_at = excluded.updated_at
        """;
}
