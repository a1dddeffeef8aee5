namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's SQL beyond the evaluator's own (<see cref="AlertingSql"/>), and the trace writer's. The in-memory engine
/// (<see cref="MemoryObservations"/>) reads every failure series once, then the minute device and network sets of a span
/// in minute order, streamed once. Minute order is the leading column of both
/// tables' primary keys and their partitions are days, so PostgreSQL streams them without sorting.
/// </summary>
internal static class BacktestSql
{
    /// <summary>Every failure series: the rows each level groups (<see cref="SeriesGroups"/>).</summary>
    public const string Series = "SELECT id, app, version, noted_hostname FROM failure_series";

    /// <summary>Device rows with $1 &lt;= bucket &lt; $2, in minute order (bucket, series_id, member).</summary>
    public const string DeviceRows = """
        SELECT bucket, series_id, device_id AS member FROM failure_devices_minute
        WHERE bucket >= $1 AND bucket < $2
        ORDER BY bucket
        """;

    /// <summary>Network rows with $1 &lt;= bucket &lt; $2, in minute order (bucket, series_id, member).</summary>
    public const string NetworkRows = """
        SELECT bucket, series_id, network_id AS member FROM failure_networks_minute
        WHERE bucket >= $1 AND bucket < $2
        ORDER BY bucket
        """;

    /// <summary>Opens a backtest's snapshot: it can write nothing (not the alert tables, not the outbox).</summary>
    public const string ReadOnly = "SET TRANSACTION READ ONLY";

    // The trace writer's (TraceWriter: a prepared history written into the rollups).
    /// <summary>The series of a trace line (iOS, enforced, hostname = noted hostname); first seen moves earlier, never later.</summary>
    public const string UpsertTraceSeries = """
        INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
        VALUES ($1, $2, 'IOS', $3, $3, $4, 1, $5)
        ON CONFLICT (app, version, platform, noted_hostname, hostname, diagnosis, enforce)
        DO UPDATE SET first_seen_at = least(failure_series.first_seen_at, excluded.first_seen_at)
        RETURNING id
        """;

    /// <summary>
    /// $1 minute, $2 series id, $3 reports, $4 devices, $5 first device id, $6 networks, one element per trace line. Lines of
    /// the same series and minute add up (their device ranges may overlap: the device set stays exact, the rollup's
    /// devices column is then an upper bound).
    /// Network ids are small numbers (0..n−1): the same network in every series, never a real network's keyed hash.
    /// </summary>
    public const string WriteTraceMinutes = """
        WITH t AS (SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::int[], $4::int[], $5::bigint[], $6::int[])
                   AS t(bucket, series_id, reports, devices, first_device, networks)),
        r AS (
            INSERT INTO failure_rollups_minute AS r (bucket, series_id, writer, reports, duplicates, devices)
            SELECT bucket, series_id, 0, sum(reports), 0, sum(devices) FROM t GROUP BY bucket, series_id
            ON CONFLICT (bucket, series_id, writer) DO UPDATE SET reports = r.reports + excluded.reports, devices = greatest(r.devices, excluded.devices)
        ),
        d AS (
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT t.bucket, t.series_id, t.first_device + g FROM t, generate_series(0, t.devices - 1) AS g
            ON CONFLICT DO NOTHING
        ),
        n AS (
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT t.bucket, t.series_id, g FROM t, generate_series(0, t.networks - 1) AS g
            ON CONFLICT DO NOTHING
        )
        INSERT INTO rollup_dirty_minutes (minute) SELECT DISTINCT bucket FROM t ON CONFLICT DO NOTHING
        """;
}
