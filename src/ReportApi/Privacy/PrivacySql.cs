namespace ReportApi.Privacy;

internal static class PrivacySql
{
    /// <summary>Every report of one install, across all partitions (the device_hash index is partitioned too).</summary>
    public const string DeleteReports = "DELETE FROM reports WHERE device_hash = @device_hash";

    /// <summary>The device's membership in the pin inventory, with the inventory's distinct-device counts kept exact.</summary>
    public const string DeleteInventoryDevices = """
        WITH gone AS (
            DELETE FROM pin_inventory_devices WHERE device_hash = @device_hash RETURNING inventory_id
        )
        UPDATE pin_inventory i SET devices = i.devices - g.n
        FROM (SELECT inventory_id, count(*) AS n FROM gone GROUP BY inventory_id) g
        WHERE i.id = g.inventory_id
        """;

    /// <summary>Waits for a running rollup closer (its lock, transaction-scoped here) so a fold never re-adds the device.</summary>
    public const string WaitForCloser = "SELECT pg_advisory_xact_lock(@lock_key)";

    /// <summary>
    /// The alert evaluator's stored baseline windows (issue #12) that held the device: counted from minutes it failed in,
    /// they are dropped (the evaluator recounts them without it when next needed). Runs while the
    /// device's minute rows still exist, under the evaluation lock (<see cref="WaitForCloser"/> with that key), so no
    /// evaluation can store a window from a snapshot that still held the device. 6 hours is the longest window.
    /// </summary>
    public const string DeleteBaselineWindows = """
        WITH held AS (
            SELECT DISTINCT bucket FROM failure_devices_minute
            WHERE device_id = ('x' || encode(substring(@device_hash::bytea FROM 1 FOR 8), 'hex'))::bit(64)::bigint
        )
        DELETE FROM alert_baseline_counts w USING held h
        WHERE w.window_start > h.bucket - interval '6 hours' AND w.window_start <= h.bucket
          AND h.bucket < w.window_start + w.window_minutes * interval '1 minute'
        """;

    /// <summary>
    /// The device's rows in the exact device sets of every rollup grain, with each bucket's distinct-device count
    /// decremented to match (report counts are aggregates without identity and stay), and the serving counts of every
    /// bucket and group that held the device recounted: the device is gone from the whole bucket, so each group it was
    /// in loses exactly one device (and one enforced or report-only device if it had such a report there). Buckets the
    /// closer has not counted yet are read live from the device sets, which no longer hold it.
    /// </summary>
    public static readonly string[] DeleteRollupDevices = [.. Data.RollupSchemaSql.Grains.Select(g => $"""
        WITH gone AS (
            DELETE FROM failure_devices_{g.Suffix}
            WHERE device_id = ('x' || encode(substring(@device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            RETURNING bucket, series_id
        ), rollups AS (
            UPDATE failure_rollups_{g.Suffix} r SET devices = r.devices - g.n
            FROM (SELECT bucket, series_id, count(*) AS n FROM gone GROUP BY bucket, series_id) g
            WHERE r.bucket = g.bucket AND r.series_id = g.series_id{OneWriterRow(g.Suffix)}
        ){string.Concat(Data.ServingGrain.All.Where(sg => sg.DeviceGrain == g.Suffix).Select(ServingDecrement))}
        SELECT count(*) FROM gone
        """)];

    private static string ServingDecrement(Data.ServingGrain g) => $"""
        , held_{g.Name} AS (
            SELECT date_bin(interval '{g.SqlStep}', gone.bucket, timestamptz '2000-01-01 00:00:00+00') AS bucket, ds.dims,
                   {Data.ServingDimensions.KeyAs("ds.dims", "s")}, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
            FROM gone JOIN failure_series s ON s.id = gone.series_id
            CROSS JOIN unnest(ARRAY[{string.Join(", ", g.StoredMasks)}]::smallint[]) AS ds (dims)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        ), counts_{g.Name} AS (
            UPDATE {g.Table} c SET devices = c.devices - 1,
                devices_enforced = c.devices_enforced - h.enf::int, devices_report_only = c.devices_report_only - h.ro::int
            FROM held_{g.Name} h
            WHERE c.bucket = h.bucket AND c.dims = h.dims AND ({Data.ServingDimensions.List("c")}) = ({Data.ServingDimensions.List("h")})
        )
        """;

    // A sharded grain has a row per writer loop for a bucket and series, and readers sum them: take the device off one
    // row only (the one holding the most devices), or it would be subtracted once per writer.
    private static string OneWriterRow(string suffix) => Data.RollupSchemaSql.ShardedByWriter(suffix) ? $"""

          AND r.writer = (SELECT w.writer FROM failure_rollups_{suffix} w
                          WHERE w.bucket = g.bucket AND w.series_id = g.series_id ORDER BY w.devices DESC, w.writer LIMIT 1)
        """ : "";

    /// <summary>
    /// A keyed report's source network is derived from its device (issue #22: each keyed device is its own evidence), so
    /// that network id is per-device data too and goes with the device.
    /// </summary>
    public const string DeleteKeyedNetwork = "DELETE FROM failure_networks_minute WHERE network_id = @network_id";
}
