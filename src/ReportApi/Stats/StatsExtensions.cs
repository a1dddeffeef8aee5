namespace ReportApi.Stats;

internal static class StatsExtensions
{
    /// <summary>
    /// The stats feature reads rollups the ingestion writer maintains through the shared data source; its answers are
    /// kept for <c>Stats:CacheSeconds</c> (<see cref="StatsCacheOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StatsCacheOptions>().BindConfiguration("Stats").ValidateDataAnnotations().ValidateOnStart();
        var seconds = builder.Configuration.GetSection("Stats").Get<StatsCacheOptions>()?.CacheSeconds ?? new StatsCacheOptions().CacheSeconds;
        builder.Services.AddOutputCache(options =>
            options.AddPolicy(StatsCachePolicy.Name, new StatsCachePolicy(TimeSpan.FromSeconds(Math.Max(0, seconds)))));
        return builder;
    }
}
