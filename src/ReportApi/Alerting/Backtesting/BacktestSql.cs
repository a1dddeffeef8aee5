namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The in-memory backtest engine's reads (<see cref="MemoryObservations"/>): every failure series once, then the minute
/// device and network sets of a span in minute order, streamed once. Minute order is the leading column of both
/// tables' primary keys and their partitions are days, so PostgreSQL streams them without sorting.
/// </summary>
internal static class BacktestSql
{
    /// <summary>Every failure series: the rows each level groups (<see cref="SeriesGroups"/>).</summary>
    public const string Series = "SELECT id, app, version, noted_hostname FROM failure_series";

    /// <summary>Device rows with $1 &lt;= bucket &lt; $2, in minute order.</summary>
    public const string DeviceRows = """
        SELECT bucket, series_id, device_id FROM failure_devices_minute
        WHERE bucket >= $1 AND bucket < $2
        ORDER BY bucket
        """;

    /// <summary>Network rows with $1 &lt;= bucket &lt; $2, in minute order.</summary>
    public const string NetworkRows = """
        SELECT bucket, series_id, network_id FROM failure_networks_minute
        WHERE bucket >= $1 AND bucket < $2
        ORDER BY bucket
        """;
}
