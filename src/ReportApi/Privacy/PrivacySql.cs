namespace ReportApi.Privacy;

internal static class PrivacySql
{
    /// <summary>Every report of one install, across all partitions (the device_hash index is partitioned too).</summary>
    public const string DeleteReports = "DELETE FROM reports WHERE device_hash = @device_hash";
}
