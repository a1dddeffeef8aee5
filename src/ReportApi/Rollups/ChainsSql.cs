namespace ReportApi.Rollups;

/// <summary>
/// The closer's SQL for failing chains (issue #12, "top failing chains" at scale; schema in migration
/// <c>ChainCounts</c>, see <see cref="Data.ChainSchemaSql"/>). The source is the raw <c>reports</c> of the minutes being
/// folded (ingest writes nothing by chain), joined with <c>certificate_chains</c> for the leaf identity.
/// </summary>
internal static class ChainsSql
{
    /// <summary>The 8-byte device id of the device sets, from the stored HMAC (as ingest derives it).</summary>
    private const string DeviceId = "CASE WHEN r.device_hash IS NOT NULL THEN ('x' || encode(substring(r.device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint END";

    /// <summary>
    /// The reports of [$1, $2) and of the late minutes $3 outside it, with their leaf identity. Two index range scans on
    /// <c>received_at</c> (an OR would read every partition).
    /// </summary>
    private static readonly string Source = $"""
        SELECT date_trunc('minute', r.received_at, 'UTC') AS minute, coalesce(r.app_bundle_id, '') AS app,
               sha256(convert_to(coalesce(c.leaf_issuer, '') || E'\n' || coalesce(c.leaf_subject, '') || E'\n' || coalesce(c.leaf_spki_sha256, ''), 'UTF8')) AS leaf_key,
               coalesce(c.leaf_issuer, '') AS leaf_issuer, coalesce(c.leaf_subject, '') AS leaf_subject,
               coalesce(c.leaf_spki_sha256, '') AS leaf_spki_sha256, r.diagnosis, {DeviceId} AS device_id
        FROM (
            SELECT r.received_at, r.app_bundle_id, r.validated_chain_fingerprint, r.diagnosis, r.device_hash
            FROM reports r WHERE r.received_at >= $1 AND r.received_at < $2
            UNION ALL
            SELECT r.received_at, r.app_bundle_id, r.validated_chain_fingerprint, r.diagnosis, r.device_hash
            FROM unnest($3::timestamptz[]) AS m (minute)
            JOIN reports r ON r.received_at >= m.minute AND r.received_at < m.minute + interval '1 minute'
            WHERE NOT (m.minute >= $1 AND m.minute < $2)
        ) r
        JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        """;

    /// <summary>Gives every (app, leaf) of the folded reports its id (own statement: the fold below must see them).</summary>
    public static readonly string AddChains = $"""
        INSERT INTO failure_chains (leaf_key, app, leaf_issuer, leaf_subject, leaf_spki_sha256)
        SELECT DISTINCT s.leaf_key, s.app, s.leaf_issuer, s.leaf_subject, s.leaf_spki_sha256 FROM ({Source}) s
        ORDER BY 1, 2
        ON CONFLICT (leaf_key, app) DO NOTHING
        """;

    /// <summary>
    /// Folds [$1, $2) and the late minutes $3: each minute's reports per chain (recomputed whole, so a late minute folded
    /// again is still counted once), the devices into the hour and day device sets, and each device new to a set into
    /// the devices of the served rows (<see cref="Gains"/>). Reports and diagnoses of the served rows follow in
    /// <see cref="CountHourReports"/> and <see cref="CountDayReports"/>.
    /// </summary>
    public static readonly string Fold = $"""
        WITH src AS MATERIALIZED (
            SELECT s.minute, f.id AS chain_id, s.diagnosis, s.device_id
            FROM ({Source}) s JOIN failure_chains f ON f.leaf_key = s.leaf_key AND f.app = s.app
        ), minutes AS (
            INSERT INTO chain_rollups_minute AS m (bucket, chain_id, reports, diagnosis)
            SELECT minute, chain_id, count(*), max(diagnosis) FROM src GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (bucket, chain_id) DO UPDATE SET reports = excluded.reports, diagnosis = excluded.diagnosis
        ), new_hour AS (
            INSERT INTO chain_devices_hour AS t (bucket, chain_id, device_id)
            SELECT DISTINCT date_trunc('hour', minute, 'UTC'), chain_id, device_id FROM src WHERE device_id IS NOT NULL ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING t.bucket, t.chain_id, t.device_id
        ), new_day AS (
            INSERT INTO chain_devices_day AS t (bucket, chain_id, device_id)
            SELECT DISTINCT date_trunc('day', minute, 'UTC'), chain_id, device_id FROM src WHERE device_id IS NOT NULL ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING t.bucket, t.chain_id, t.device_id
        ), {Gains("hour")}, hours AS (
            INSERT INTO chain_counts_hour AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
            SELECT bucket, dims, app, leaf_key, 0, devices, '' FROM hour_gains ORDER BY 1, 2, 3, 4
            ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET devices = c.devices + excluded.devices
        ), {Gains("day")}
        INSERT INTO chain_counts_day AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
        SELECT bucket, dims, app, leaf_key, 0, devices, '' FROM day_gains ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET devices = c.devices + excluded.devices
        """;

    /// <summary>
    /// The devices a fold adds to the served rows of one grain, from the rows it added to that grain's device set
    /// (<c>new_{grain}</c>; the statement's snapshot does not see them, so a probe of the set sees it as before the fold).
    /// Incremental, not a recount of the bucket's whole set (a day's set is hundreds of thousands of rows by its end,
    /// and a flood minute adds 500,000: recounting it every fold was the closer's slowest chain statement, issue #12).
    /// App and leaf (dims 1) is one chain: each added row is one device more. Leaf over all apps (dims 0): a device
    /// counts once per leaf, only if no chain of the leaf held it before (a leaf of one app needs no probe).
    /// </summary>
    private static string Gains(string grain) => $"""
        {grain}_per_chain AS (
            SELECT n.bucket, n.chain_id, count(*) AS devices FROM new_{grain} n GROUP BY 1, 2
        ), {grain}_chains AS MATERIALIZED (
            SELECT f.id, f.app, f.leaf_key, EXISTS (SELECT 1 FROM failure_chains o WHERE o.leaf_key = f.leaf_key AND o.id <> f.id) AS shared
            FROM failure_chains f WHERE f.id IN (SELECT p.chain_id FROM {grain}_per_chain p)
        ), {grain}_gains AS (
            SELECT p.bucket, ds.dims, CASE WHEN ds.dims = 1 THEN c.app ELSE '' END AS app, c.leaf_key, sum(p.devices)::bigint AS devices
            FROM {grain}_per_chain p JOIN {grain}_chains c ON c.id = p.chain_id CROSS JOIN {Dims}
            WHERE ds.dims = 1 OR NOT c.shared
            GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT n.bucket, 0::smallint, '', n.leaf_key, count(*)
            FROM (
                SELECT DISTINCT n.bucket, c.leaf_key, n.device_id
                FROM new_{grain} n JOIN {grain}_chains c ON c.id = n.chain_id
                WHERE c.shared
            ) n
            WHERE NOT EXISTS (
                SELECT 1 FROM chain_devices_{grain} x JOIN failure_chains o ON o.id = x.chain_id
                WHERE x.bucket = n.bucket AND x.device_id = n.device_id AND o.leaf_key = n.leaf_key)
            GROUP BY 1, 2, 3, 4
        )
        """;

    /// <summary>The groupings: 0 = leaf over all apps, 1 = app and leaf.</summary>
    private const string Dims = "(VALUES (0::smallint), (1::smallint)) AS ds (dims)";

    private const string GroupApp = "CASE WHEN ds.dims = 1 THEN f.app ELSE '' END";

    /// <summary>
    /// Recounts the served rows of the hours $1 ($2/$3 bound the scan) from their device sets and the minute rollups
    /// folded so far: for a closed hour its final count, for the open one everything before the closed edge. An upsert,
    /// no delete: the groups of a bucket only ever grow (a device deletion keeps the reports), and a recount replaces.
    /// The chain backfill's way (a day's reports from before the chain rollups, beside hours the closer folded); the
    /// closer's own folds keep devices by increments (<see cref="Fold"/>) and recount reports only.
    /// </summary>
    public const string CountHours = $"""
        WITH r AS (
            SELECT date_trunc('hour', m.bucket, 'UTC') AS bucket, ds.dims, {GroupApp} AS app, f.leaf_key,
                   sum(m.reports) AS reports, max(m.diagnosis) AS diagnosis
            FROM chain_rollups_minute m JOIN failure_chains f ON f.id = m.chain_id CROSS JOIN {Dims}
            WHERE m.bucket >= $2 AND m.bucket < $3 AND date_trunc('hour', m.bucket, 'UTC') = ANY($1)
            GROUP BY 1, 2, 3, 4
        ), d AS (
            SELECT x.bucket, ds.dims, {GroupApp} AS app, f.leaf_key, count(DISTINCT x.device_id) AS devices
            FROM chain_devices_hour x JOIN failure_chains f ON f.id = x.chain_id CROSS JOIN {Dims}
            WHERE x.bucket = ANY($1) AND x.bucket >= $2 AND x.bucket < $3
            GROUP BY 1, 2, 3, 4
        )
        INSERT INTO chain_counts_hour AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
        SELECT r.bucket, r.dims, r.app, r.leaf_key, r.reports, coalesce(d.devices, 0), r.diagnosis
        FROM r LEFT JOIN d USING (bucket, dims, app, leaf_key)
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET
            reports = excluded.reports, devices = excluded.devices, diagnosis = excluded.diagnosis
        """;

    /// <summary>
    /// The same for the days $1: reports from the day's served hour rows (just recounted), devices from the day's set.
    /// </summary>
    public const string CountDays = $"""
        WITH r AS (
            SELECT date_trunc('day', h.bucket, 'UTC') AS bucket, h.dims, h.app, h.leaf_key,
                   sum(h.reports) AS reports, max(h.diagnosis) AS diagnosis
            FROM chain_counts_hour h
            WHERE h.bucket >= $2 AND h.bucket < $3 AND date_trunc('day', h.bucket, 'UTC') = ANY($1)
            GROUP BY 1, 2, 3, 4
        ), d AS (
            SELECT x.bucket, ds.dims, {GroupApp} AS app, f.leaf_key, count(DISTINCT x.device_id) AS devices
            FROM chain_devices_day x JOIN failure_chains f ON f.id = x.chain_id CROSS JOIN {Dims}
            WHERE x.bucket = ANY($1) AND x.bucket >= $2 AND x.bucket < $3
            GROUP BY 1, 2, 3, 4
        )
        INSERT INTO chain_counts_day AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
        SELECT r.bucket, r.dims, r.app, r.leaf_key, r.reports, coalesce(d.devices, 0), r.diagnosis
        FROM r LEFT JOIN d USING (bucket, dims, app, leaf_key)
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET
            reports = excluded.reports, devices = excluded.devices, diagnosis = excluded.diagnosis
        """;

    /// <summary>
    /// The reports and diagnoses of the served rows of the hours $1 ($2/$3 bound the scan), recounted from the minute
    /// rollups folded so far (a few rows per minute and chain); their devices are kept by <see cref="Fold"/>'s gains.
    /// </summary>
    public const string CountHourReports = $"""
        INSERT INTO chain_counts_hour AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
        SELECT date_trunc('hour', m.bucket, 'UTC') AS bucket, ds.dims, {GroupApp} AS app, f.leaf_key, sum(m.reports), 0, max(m.diagnosis)
        FROM chain_rollups_minute m JOIN failure_chains f ON f.id = m.chain_id CROSS JOIN {Dims}
        WHERE m.bucket >= $2 AND m.bucket < $3 AND date_trunc('hour', m.bucket, 'UTC') = ANY($1)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET reports = excluded.reports, diagnosis = excluded.diagnosis
        """;

    /// <summary>The same for the days $1, from the day's served hour rows (just recounted).</summary>
    public const string CountDayReports = """
        INSERT INTO chain_counts_day AS c (bucket, dims, app, leaf_key, reports, devices, diagnosis)
        SELECT date_trunc('day', h.bucket, 'UTC') AS bucket, h.dims, h.app, h.leaf_key, sum(h.reports), 0, max(h.diagnosis)
        FROM chain_counts_hour h
        WHERE h.bucket >= $2 AND h.bucket < $3 AND date_trunc('day', h.bucket, 'UTC') = ANY($1)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (bucket, dims, app, leaf_key) DO UPDATE SET reports = excluded.reports, diagnosis = excluded.diagnosis
        """;

    /// <summary>The newest report before $1: where the next chain backfill day ends (backward index scan).</summary>
    public const string NewestReportBefore = "SELECT max(received_at) FROM reports WHERE received_at < $1";

    /// <summary>
    /// <c>DELETE /v1/devices/{id}</c> (after <c>PrivacySql.WaitForCloser</c>, in its transaction): the device leaves the
    /// chain device sets, and every served hour and day row of a group that held it loses exactly one device (the same
    /// as a recount of those buckets). Report counts stay, like the failure rollups'.
    /// </summary>
    public static readonly string DeleteDevice = $"""
        WITH gone_hour AS (
            DELETE FROM chain_devices_hour
            WHERE device_id = ('x' || encode(substring(@device_hash::bytea FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            RETURNING bucket, chain_id
        ), gone_day AS (
            DELETE FROM chain_devices_day
            WHERE device_id = ('x' || encode(substring(@device_hash::bytea FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            RETURNING bucket, chain_id
        ), held_hour AS (
            SELECT DISTINCT g.bucket, ds.dims, {GroupApp} AS app, f.leaf_key
            FROM gone_hour g JOIN failure_chains f ON f.id = g.chain_id CROSS JOIN {Dims}
        ), held_day AS (
            SELECT DISTINCT g.bucket, ds.dims, {GroupApp} AS app, f.leaf_key
            FROM gone_day g JOIN failure_chains f ON f.id = g.chain_id CROSS JOIN {Dims}
        ), hours AS (
            UPDATE chain_counts_hour c SET devices = c.devices - 1 FROM held_hour h
            WHERE (c.bucket, c.dims, c.app, c.leaf_key) = (h.bucket, h.dims, h.app, h.leaf_key)
        )
        UPDATE chain_counts_day c SET devices = c.devices - 1 FROM held_day h
        WHERE (c.bucket, c.dims, c.app, c.leaf_key) = (h.bucket, h.dims, h.app, h.leaf_key)
        """;
}
