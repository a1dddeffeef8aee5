namespace ReportApi.Stats;

/// <summary>
/// The stats feature's SQL. User input only ever arrives as parameters; the only text spliced in is
/// <c>failure_series</c> column names taken from a whitelist (<see cref="StatsDimension"/>).
/// </summary>
/// <remarks>
/// Parameters: $1 from, $2 to (whole buckets), $3 step (interval), $4..$9 filters on app, version, platform,
/// hostname, noted hostname, diagnosis (NULL = any), $10 the serving grain, $11 the grouping mask. Counts and exact
/// distinct devices come from <c>failure_stats(...)</c> (see <c>ServingSchemaSql</c>): closed buckets from the
/// serving tables the rollup closer keeps, the open bucket counted live. Every bucket of every group is returned,
/// zero-filled. A group's denominator for a day is the sum of the active devices of the (app, version, platform)
/// tuples that failed in the group during the window, and is known only if every one of them has an activity row for
/// that day; the tuples come from the same function grouped by app, version and platform as well (without devices).
/// </remarks>
internal static class StatsSql
{
    public static string Failures(IReadOnlyList<string> columns)
    {
        var g = string.Concat(columns.Select(c => $", f.{c}"));
        var fromTuples = string.Concat(columns.Select(c => $", t.{c}"));
        var groups = columns.Count == 0 ? "SELECT 1 AS one" : $"SELECT DISTINCT {string.Join(", ", columns)} FROM f";
        string On(string alias) => string.Concat(columns.Select(c => $" AND {alias}.{c} = g.{c}"));
        var order = string.Concat(columns.Select(c => $"g.{c}, "));
        var outColumns = string.Concat(columns.Select(c => $", g.{c}"));
        return $"""
            WITH f AS MATERIALIZED (
                SELECT * FROM failure_stats($10::text, $1, $2, $11::integer, $4, $5, $6, $7, $8, $9)
            ), g AS (
                {groups}
            ), tuples AS (
                SELECT DISTINCT f.app AS t_app, f.version AS t_version, f.platform AS t_platform{g}
                FROM failure_stats($10::text, $1, $2, $11::integer | 7, $4, $5, $6, $7, $8, $9, false) f
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
                   coalesce(c.devices, 0)::bigint, coalesce(c.devices_enforced, 0)::bigint, coalesce(c.devices_report_only, 0)::bigint,
                   CASE WHEN act.known THEN act.active_devices END::bigint
            FROM buckets bk CROSS JOIN g
            LEFT JOIN f c ON c.bucket = bk.b{On("c")}
            LEFT JOIN activity act ON act.day = (bk.b AT TIME ZONE 'UTC')::date{On("act")}
            ORDER BY {order}bk.b
            """;
    }

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
