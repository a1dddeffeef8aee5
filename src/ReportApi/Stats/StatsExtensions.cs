namespace ReportApi.Stats;

internal static class StatsExtensions
{
    /// <summary>The stats feature reads rollups the ingestion writer maintains; it needs only the shared data source.</summary>
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder) => builder;
}
