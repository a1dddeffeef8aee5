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
}
