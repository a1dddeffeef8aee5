namespace ReportApi.Alerting;

/// <summary>
/// The evaluator's and the alerts API's SQL. A series level is a grouping of <c>failure_series</c>: host by
/// noted_hostname, version by app + version, version-host by all three; one GROUPING SETS query counts every level at
/// once, and <c>count(DISTINCT device_id)</c> over the minute device sets keeps the counts exact per level.
/// </summary>
internal static class AlertingSql
{
    /// <summary>Key of the transaction-scoped advisory lock: one replica evaluates at a time ("PIN" "ALRT").</summary>
    public const long EvaluationLockKey = Data.AlertBaselineSchemaSql.EvaluationLockKey;

    public const string TryLock = "SELECT pg_try_advisory_xact_lock($1)";

    /// <summary>
    /// The baseline query's row estimate (21 windows of device rows) crosses jit_above_cost on a busy database, and
    /// compiling it took ~0.9 s of a 1.25 s query at the 50 M-report shape, for a plan that runs in 0.35 s without JIT:
    /// every evaluation minute paid it. Transaction-scoped, like the stats reads (failure_stats) do.
    /// </summary>
    public const string DisableJit = "SET LOCAL jit = off";

    /// <summary>Claims the minute; 0 rows means another replica (or an earlier run) already evaluated it.</summary>
    public const string ClaimMinute = """
        INSERT INTO alert_evaluations (minute, evaluated_at, series_count, transitions) VALUES ($1, $2, 0, 0)
        ON CONFLICT (minute) DO NOTHING
        """;

    /// <summary>
    /// Minutes in [$1, $2) that were never evaluated, oldest first (issue #19: catch-up). Only after the first evaluation
    /// ever, so a new install does not evaluate hours of history it was never asked to watch.
    /// </summary>
    public const string MissedMinutes = """
        SELECT g AS minute FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') AS g
        WHERE g > (SELECT min(minute) FROM alert_evaluations)
          AND NOT EXISTS (SELECT 1 FROM alert_evaluations e WHERE e.minute = g)
        ORDER BY g
        """;

    public const string FinishMinute = "UPDATE alert_evaluations SET series_count = $2, transitions = $3 WHERE minute = $1";

    // level, app, version, noted_hostname of a GROUPING SETS row; '' components are filtered out in code.
    private const string LevelColumns = """
        CASE WHEN GROUPING(s.app) = 1 THEN 'host' WHEN GROUPING(s.noted_hostname) = 1 THEN 'version' ELSE 'version-host' END AS level,
        CASE WHEN GROUPING(s.app) = 1 THEN NULL ELSE s.app END AS app,
        CASE WHEN GROUPING(s.version) = 1 THEN NULL ELSE s.version END AS version,
        CASE WHEN GROUPING(s.noted_hostname) = 1 THEN NULL ELSE s.noted_hostname END AS noted_hostname
        """;

    private const string LevelSets = "(s.noted_hostname), (s.app, s.version), (s.app, s.version, s.noted_hostname)";

    /// <summary>Distinct failing devices per series of every level in [$1, $2).</summary>
    public const string WindowDevices = $"""
        SELECT {LevelColumns}, count(DISTINCT d.device_id) AS members
        FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id
        WHERE d.bucket >= $1 AND d.bucket < $2
        GROUP BY GROUPING SETS ({LevelSets})
        """;

    /// <summary>
    /// Distinct source networks (keyed hashes) per series of every level in [$1, $2): the independent evidence a page
    /// needs (issue #22). The same grouping as <see cref="WindowDevices"/>, over the minute network sets.
    /// </summary>
    public const string WindowNetworks = $"""
        SELECT {LevelColumns}, count(DISTINCT n.network_id) AS members
        FROM failure_networks_minute n JOIN failure_series s ON s.id = n.series_id
        WHERE n.bucket >= $1 AND n.bucket < $2
        GROUP BY GROUPING SETS ({LevelSets})
        """;

    // The failure series of the candidate hosts ($1) and app versions ($2, $3): baselines need no other rows.
    private const string CandidateSeries = """
        SELECT id, app, version, noted_hostname, first_seen_at FROM failure_series
        WHERE noted_hostname = ANY($1) OR (app, version) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        """;

    /// <summary>
    /// Devices per level in each comparable window: windows of length $5 ending at $4 − d days + k·$5 for d in
    /// 1..$6 and k in −$7..$7. A window with no row here is 0 or missing; the caller decides by first-seen time.
    /// </summary>
    public static readonly string BaselineDevices = BaselineDevicesOver("""
        SELECT $4 - make_interval(days => d) + k * $5 AS sample_end
        FROM generate_series(1, $6) AS d, generate_series(-$7, $7) AS k
        """);

    /// <summary>
    /// <see cref="BaselineDevices"/> for the window ends $4 (an array) in one statement: the backtest (issue #19) counts
    /// every comparable window of an hour of minutes at once, each window once, instead of 21 per minute.
    /// </summary>
    public static readonly string BaselineDevicesAt = BaselineDevicesOver("SELECT DISTINCT unnest($4::timestamptz[]) AS sample_end");

    /// <summary>
    /// <see cref="WindowNetworks"/> for the window ends $4 in one statement (the backtest): the same grouping and count
    /// over the minute network sets, shaped like <see cref="BaselineDevicesAt"/>.
    /// </summary>
    public static readonly string WindowNetworksAt = BaselineDevicesOver("SELECT DISTINCT unnest($4::timestamptz[]) AS sample_end",
        "failure_networks_minute", "network_id");

    private static string BaselineDevicesOver(string ends, string table = "failure_devices_minute", string column = "device_id") => $"""
        WITH s AS MATERIALIZED ({CandidateSeries}),
        ends AS ({ends})
        SELECT e.sample_end, {LevelColumns}, count(DISTINCT f.{column}) AS members
        FROM ends e
        JOIN {table} f ON f.bucket >= e.sample_end - $5 AND f.bucket < e.sample_end
        JOIN s ON s.id = f.series_id
        GROUP BY GROUPING SETS ((e.sample_end, s.noted_hostname), (e.sample_end, s.app, s.version), (e.sample_end, s.app, s.version, s.noted_hostname))
        """;

    // Stored baseline windows (issue #12, alert evaluation at 10,000 series). A comparable window is at least a day old when
    // first needed and closed buckets are immutable, so its per-level counts are stored once instead of being recounted
    // every minute (each window serves 21 evaluations): one row per window, the ids of the groups that failed in it
    // (alert_baseline_groups names them) and their distinct devices, as parallel arrays. A window is stored only when it
    // ends at or before the rollup closer's closing edge: any batch that commits later into one of its minutes marks that
    // minute (LateMinutesSql), the closer hands the marks on to alert_dirty_minutes (RollupsSql.TakeDirty), and the
    // evaluator drops the windows holding a marked minute before it reads. Device deletion drops the windows that held
    // the device (PrivacySql.DeleteBaselineWindows).

    /// <summary>
    /// Drops the stored windows that hold a late minute: the marks handed on by the closer (taken here) and those it has
    /// not taken yet. 6 hours is the longest window (Alerting:Window), so the scan per minute is bounded.
    /// </summary>
    public const string InvalidateBaselineWindows = """
        WITH taken AS (
            DELETE FROM alert_dirty_minutes RETURNING minute
        ), late AS (
            SELECT minute FROM taken UNION SELECT minute FROM rollup_dirty_minutes
        )
        DELETE FROM alert_baseline_counts w USING late l
        WHERE w.window_start > l.minute - interval '6 hours' AND w.window_start <= l.minute
          AND l.minute < w.window_start + w.window_minutes * interval '1 minute'
        """;

    /// <summary>
    /// Counts and stores the windows of length $2 ($3 minutes) ending at $1 that are not stored yet, end at or before the
    /// closing edge, and have their day's partition (a window older than retention has none: it is counted live instead).
    /// Every series of every level, so a stored window serves any set of candidates; a window without failures is stored
    /// empty. A group's name is '' where its level has no such component.
    /// </summary>
    public static readonly string CountBaselineWindows = $"""
        WITH ends AS (
            SELECT DISTINCT e AS window_end FROM unnest($1::timestamptz[]) AS e
            WHERE e <= (SELECT at FROM rollup_watermarks WHERE edge = 'closing')
              AND to_regclass('alert_baseline_counts_p' || to_char((e - $2::interval) AT TIME ZONE 'UTC', 'YYYYMMDD')) IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM alert_baseline_counts w WHERE w.window_start = e - $2::interval AND w.window_minutes = $3::smallint)
        ), counted AS (
            SELECT window_end, level, coalesce(app, '') AS app, coalesce(version, '') AS version, coalesce(noted_hostname, '') AS noted_hostname, members
            FROM (
                SELECT e.window_end, {LevelColumns}, count(DISTINCT f.device_id)::int AS members
                FROM ends e
                JOIN failure_devices_minute f ON f.bucket >= e.window_end - $2::interval AND f.bucket < e.window_end
                JOIN failure_series s ON s.id = f.series_id
                GROUP BY GROUPING SETS ((e.window_end, s.noted_hostname), (e.window_end, s.app, s.version), (e.window_end, s.app, s.version, s.noted_hostname))
            ) c
        ), named AS (
            -- Only the names not there yet: a conflict check per known group costs more than the anti-join.
            INSERT INTO alert_baseline_groups (level, app, version, noted_hostname)
            SELECT DISTINCT c.level, c.app, c.version, c.noted_hostname FROM counted c
            WHERE NOT EXISTS (SELECT 1 FROM alert_baseline_groups g
                              WHERE g.level = c.level AND g.app = c.app AND g.version = c.version AND g.noted_hostname = c.noted_hostname)
            ON CONFLICT (level, app, version, noted_hostname) DO NOTHING
            RETURNING id, level, app, version, noted_hostname
        ), ids AS (
            -- The statement's snapshot does not see the rows named adds: the two halves never overlap.
            SELECT id, level, app, version, noted_hostname FROM named
            UNION ALL
            SELECT id, level, app, version, noted_hostname FROM alert_baseline_groups
        )
        INSERT INTO alert_baseline_counts (window_start, window_minutes, counted_at, group_ids, members)
        SELECT e.window_end - $2::interval, $3::smallint, now(),
               -- Two aggregates of one group read its rows in the same order: the arrays are parallel without a sort.
               coalesce(array_agg(i.id) FILTER (WHERE i.id IS NOT NULL), ARRAY[]::integer[]),
               coalesce(array_agg(c.members) FILTER (WHERE i.id IS NOT NULL), ARRAY[]::integer[])
        FROM ends e
        LEFT JOIN (counted c JOIN ids i USING (level, app, version, noted_hostname)) ON c.window_end = e.window_end
        GROUP BY e.window_end
        """;

    /// <summary>The stored windows of $2 minutes starting at $1: their ends, group ids and distinct devices.</summary>
    public const string StoredBaselineWindows = """
        SELECT w.window_start + w.window_minutes * interval '1 minute' AS sample_end, w.group_ids, w.members
        FROM alert_baseline_counts w
        WHERE w.window_start = ANY ($1::timestamptz[]) AND w.window_minutes = $2::integer
        """;

    /// <summary>
    /// The groups of the candidate hosts ($1) and app versions ($2, $3), with the level columns of
    /// <see cref="BaselineDevices"/>: a stored count is of all series of its group, as that statement counts a candidate's.
    /// </summary>
    public const string BaselineGroups = """
        SELECT g.id, g.level, g.app, g.version, g.noted_hostname FROM alert_baseline_groups g
        WHERE CASE WHEN g.level = 'host' THEN g.noted_hostname = ANY($1)
                   ELSE (g.app, g.version) IN (SELECT * FROM unnest($2::text[], $3::text[])) END
        """;

    /// <summary>Every alerting series' host and app version, for a backtest's baselines (all series are candidates).</summary>
    public const string AllSeries = """
        SELECT array_agg(DISTINCT noted_hostname) FILTER (WHERE noted_hostname <> '') AS hosts,
               array_agg(app) FILTER (WHERE app <> '' AND version <> '') AS apps,
               array_agg(version) FILTER (WHERE app <> '' AND version <> '') AS versions
        FROM (SELECT DISTINCT noted_hostname, app, version FROM failure_series) s
        """;

    /// <summary>When each candidate series first failed: comparable windows before that are missing, not zero.</summary>
    public const string FirstSeen = $"""
        SELECT {LevelColumns}, min(s.first_seen_at) AS first_seen_at
        FROM ({CandidateSeries}) s
        GROUP BY GROUPING SETS ({LevelSets})
        """;

    /// <summary>Active devices per app version (all platforms) on day $3, and on the day before when $3 has none yet.</summary>
    public const string ActiveDevices = """
        SELECT app, version, coalesce(sum(active_devices) FILTER (WHERE day = $3), sum(active_devices) FILTER (WHERE day = $3 - 1)) AS active_devices
        FROM app_activity
        WHERE day IN ($3, $3 - 1) AND (app, version) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        GROUP BY app, version
        """;

    // One series' rows: $3 noted hostname, $4 app, $5 version, NULL = any.
    private const string SeriesFilter = """
        ($3::text IS NULL OR s.noted_hostname = $3) AND ($4::text IS NULL OR s.app = $4) AND ($5::text IS NULL OR s.version = $5)
        """;

    /// <summary>Distinct devices in [$1, $2) per diagnosis (kind 'd') and per app version (kind 'v') of one series.</summary>
    public const string Context = $"""
        SELECT CASE WHEN GROUPING(s.diagnosis) = 0 THEN 'd' ELSE 'v' END AS kind, s.diagnosis, s.app, s.version, count(DISTINCT d.device_id) AS devices
        FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id
        WHERE d.bucket >= $1 AND d.bucket < $2 AND {SeriesFilter}
        GROUP BY GROUPING SETS ((s.diagnosis), (s.app, s.version))
        """;

    /// <summary>
    /// The chain most devices of one series were shown in [$1, $2). <c>reports</c> is partitioned by receive time, so
    /// a five-minute window reads one partition's recent rows; this runs only for series with an alert.
    /// </summary>
    public const string TopChain = """
        SELECT c.certificates::text AS certificates, c.leaf_subject, c.leaf_issuer, c.leaf_spki_sha256, t.devices
        FROM (
            SELECT s.validated_chain_fingerprint AS fingerprint, count(DISTINCT s.device_hash) AS devices
            FROM reports s
            WHERE s.received_at >= $1 AND s.received_at < $2 AND s.validated_chain_fingerprint IS NOT NULL
              AND ($3::text IS NULL OR s.noted_hostname = $3) AND ($4::text IS NULL OR s.app_bundle_id = $4)
              AND ($5::text IS NULL OR s.app_version = $5)
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
        ) t JOIN certificate_chains c ON c.fingerprint = t.fingerprint
        """;

    /// <summary>The open alerts, locked so an acknowledge waits for this evaluation (and vice versa) instead of being overwritten.</summary>
    public const string OpenAlerts = """
        SELECT id, state::text FROM alerts WHERE status IN ('pending', 'firing', 'acknowledged', 'suspicious') ORDER BY id FOR UPDATE
        """;

    public const string AlertColumns = """
        id, series_key, level, app, version, noted_hostname, status, opened_at, fired_at, acknowledged_at, acknowledged_by,
        resolved_at, last_evaluated_at, window_devices, peak_devices, baseline_median, active_devices, headline, summary, action,
        diagnosis_mix::text, top_chain::text, top_versions::text, window_networks
        """;

    /// <summary>$1..$18 as in <see cref="UpdateAlert"/> after the id, plus the identity of the series.</summary>
    public const string InsertAlert = $"""
        INSERT INTO alerts (status, fired_at, acknowledged_at, resolved_at, last_evaluated_at, window_devices, peak_devices,
            baseline_median, active_devices, state, headline, summary, action, diagnosis_mix, top_chain, top_versions, window_networks,
            series_key, level, app, version, noted_hostname, opened_at)
        VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15::jsonb, $16::jsonb, $17::jsonb, $18,
            $19, $20, $21, $22, $23, $24)
        RETURNING {AlertColumns}
        """;

    /// <summary>
    /// $1 id. A quiet window has no chain or diagnosis to show; the incident's context is kept rather than blanked, so a
    /// resolved alert still says what failed.
    /// </summary>
    public const string UpdateAlert = $"""
        UPDATE alerts SET status = $2, fired_at = $3, acknowledged_at = $4, resolved_at = $5, last_evaluated_at = $6,
            window_devices = $7, peak_devices = $8, baseline_median = $9, active_devices = coalesce($10, active_devices),
            state = $11::jsonb, headline = $12, summary = $13, action = $14,
            diagnosis_mix = coalesce($15::jsonb, diagnosis_mix), top_chain = coalesce($16::jsonb, top_chain),
            top_versions = coalesce($17::jsonb, top_versions), window_networks = $18
        WHERE id = $1
        RETURNING {AlertColumns}
        """;

    /// <summary>
    /// $1: 'firing', 'suspicious', 'resolved' or 'all'. A pending spike that never fired is nobody's business: hidden; a
    /// suspicious one that resolved stays listed (someone may have forged reports: worth a look, not a page).
    /// </summary>
    public const string ListAlerts = $"""
        SELECT {AlertColumns} FROM alerts
        WHERE (fired_at IS NOT NULL OR status <> 'resolved' OR state->>'suspectedAt' IS NOT NULL)
          AND ($1 = 'all' OR ($1 = 'firing' AND status IN ('firing', 'acknowledged')) OR ($1 = 'suspicious' AND status = 'suspicious')
               OR ($1 = 'resolved' AND status = 'resolved'))
        ORDER BY opened_at DESC, id DESC
        LIMIT $2
        """;

    public const string LockAlert = """
        SELECT state::text FROM alerts WHERE id = $1 AND (fired_at IS NOT NULL OR status <> 'resolved' OR state->>'suspectedAt' IS NOT NULL) FOR UPDATE
        """;

    public const string GetAlert = $"SELECT {AlertColumns} FROM alerts WHERE id = $1";

    public const string Acknowledge = $"""
        UPDATE alerts SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3, state = $4::jsonb
        WHERE id = $1
        RETURNING {AlertColumns}
        """;
}
