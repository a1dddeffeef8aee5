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

    /// <summary>
    /// The device's rows in the exact device sets of every rollup grain, with each bucket's distinct-device count
    /// decremented to match (report counts are aggregates without identity and stay).
    /// </summary>
    public static readonly string[] DeleteRollupDevices = [.. Data.RollupSchemaSql.Grains.Select(g => $"""
        WITH gone AS (
            DELETE FROM failure_devices_{g.Suffix}
            WHERE device_id = ('x' || encode(substring(@device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            RETURNING bucket, series_id
        )
        UPDATE failure_rollups_{g.Suffix} r SET devices = r.devices - g.n
        FROM (SELECT bucket, series_id, count(*) AS n FROM gone GROUP BY bucket, series_id) g
        WHERE r.bucket = g.bucket AND r.series_id = g.series_id
        """)];

    /// <summary>
    /// A keyed report's source network is derived from its device (issue #22: each keyed device is its own evidence), so
    /// that network id is per-device data too and goes with the device.
    /// </summary>
    public const string DeleteKeyedNetwork = "DELETE FROM failure_networks_minute WHERE network_id = @network_id";
}
