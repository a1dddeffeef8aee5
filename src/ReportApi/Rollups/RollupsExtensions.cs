namespace ReportApi.Rollups;

internal static class RollupsExtensions
{
    /// <summary>The closer: hour and day grains and the serving counts, derived off the ingest transaction.</summary>
    public static IHostApplicationBuilder AddRollups(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RollupsOptions>().BindConfiguration("Rollups").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RollupCloser>();
        builder.Services.AddHostedService<RollupCloserService>();
        return builder;
    }
}
