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
/// Ordered by group (the order of its text keys), then time (a day's denominator before its buckets).
/// </para>
/// <para>
/// A group's denominator for a day is the sum of the active devices of the (app, version, platform) tuples that failed
/// in the group during the window, known only if every one of them has an activity row for that day. Which tuples
/// failed needs no device count, only which series have a rollup row in the window: <c>failure_seen_series</c>
/// (<see cref="Data.ServingSchemaSql.CreateSeenSeriesFunction"/>).
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
        var keys = string.Join(", ", columns);
        var fTuples = $"SELECT DISTINCT c.app AS t_app, c.version AS t_version, c.platform AS t_platform{keyOut} FROM f c";
        var seenTuples = $"""
                SELECT DISTINCT s.app AS t_app, s.version AS t_version, s.platform AS t_platform{seriesColumns}
                FROM failure_series s
                WHERE s.id IN (SELECT failure_seen_series($1, $2))
                  AND ($4::text IS NULL OR s.app = $4) AND ($5::text IS NULL OR s.version = $5) AND ($6::text IS NULL OR s.platform = $6)
                  AND ($7::text IS NULL OR s.hostname = $7) AND ($8::text IS NULL OR s.noted_hostname = $8) AND ($9::text IS NULL OR s.diagnosis = $9)
            """;
        // Grouped: rows are ordered by their group's rank, which orders only the distinct groups by their text keys (a
        // few hundred), then by integers and time. Sorting every row by up to six text keys in the database's collation
        // cost ~70 ms for a month by five dimensions (14,000 rows, issue #12); the order is the same.
        var ranked = columns.Count == 0 ? "" : $"""
            , out_rows AS MATERIALIZED (
            {Rows()}
            ), groups AS (
                SELECT {keys}, row_number() OVER (ORDER BY {keys}) AS grp
                FROM (SELECT DISTINCT {keys} FROM out_rows) d
            )
            SELECT o.kind, o.t, {string.Join(", ", columns.Select(c => $"o.{c}"))},
                   o.reports, o.duplicates, o.reports_enforced, o.reports_report_only, o.devices, o.devices_enforced, o.devices_report_only, o.active
            FROM out_rows o JOIN groups g USING ({keys})
            ORDER BY g.grp, o.t, o.kind DESC
            """;
        string Rows() => $"""
                SELECT 0 AS kind, c.bucket AS t{keyOut},
                       c.reports, c.duplicates, c.reports_enforced, c.reports_report_only, c.devices, c.devices_enforced, c.devices_report_only,
                       NULL::bigint AS active
                FROM f c
                UNION ALL
                SELECT 1, a.day{actOut}, 0, 0, 0, 0, 0, 0, 0, a.active_devices
                FROM activity a
            """;
        return $"""
            WITH f AS (
                SELECT * FROM failure_stats($10::text, $1, $2, $11::integer, $4, $5, $6, $7, $8, $9)
            ), tuples AS (
                {(KeysHoldTuple(columns) ? fTuples : seenTuples)}
            ), activity AS (
                SELECT k.day{fromTuples}, sum(a.active_devices)::bigint AS active_devices
                FROM generate_series(date_trunc('day', $1, 'UTC'), $2 - $3, interval '1 day') AS k (day)
                CROSS JOIN tuples t
                LEFT JOIN app_activity a
                  ON a.app = t.t_app AND a.version = t.t_version AND a.platform = t.t_platform AND a.day = (k.day AT TIME ZONE 'UTC')::date
                GROUP BY k.day{fromTuples}
                -- Unknown (a tuple without a row) or zero: no rate, so no row.
                HAVING bool_and(a.active_devices IS NOT NULL) AND sum(a.active_devices) > 0
            ){(columns.Count == 0 ? $"""

            {Rows()}
            ORDER BY 2, 1 DESC
            """ : ranked)}
            """;
    }

    /// <summary>
    /// A grouping by app, version and platform (and maybe more) has one (app, version, platform) tuple per group, its
    /// own key, and a group is in the answer only if it has counts in the window, i.e. only if that tuple failed in the
    /// window: its tuples are the keys of <c>f</c>, and <c>failure_seen_series</c> (≈ 18 ms of a month by five
    /// dimensions' ≈ 100 ms statement, issue #12) is not needed. Other groupings can hold several tuples per group, so
    /// they still ask which series failed in the window.
    /// </summary>
    private static bool KeysHoldTuple(IReadOnlyList<string> columns) =>
        columns.Contains("app") && columns.Contains("version") && columns.Contains("platform");

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
