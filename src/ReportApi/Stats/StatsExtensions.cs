using Microsoft.Extensions.Options;

namespace ReportApi.Stats;

internal static class StatsExtensions
{
    /// <summary>
    /// The stats feature reads rollups the ingestion writer maintains through the shared data source; its answers are
    /// kept for <c>Stats:CacheSeconds</c> (<see cref="StatsCacheOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsStore>();
        builder.Services.AddOptions<StatsCacheOptions>().BindConfiguration("Stats").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOutputCache();
        builder.Services.AddOptions<Microsoft.AspNetCore.OutputCaching.OutputCacheOptions>()
            .Configure<IOptions<StatsCacheOptions>>((cache, stats) =>
                cache.AddPolicy(StatsCachePolicy.Name, new StatsCachePolicy(TimeSpan.FromSeconds(stats.Value.CacheSeconds))));
        return builder;
    }
}
