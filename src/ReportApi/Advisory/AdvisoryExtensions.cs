namespace ReportApi.Advisory;

internal static class AdvisoryExtensions
{
    public static IHostApplicationBuilder AddAdvisory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdvisoryOptions>().BindConfiguration("Advisory").ValidateDataAnnotations()
            .Validate(o => o.Apps.All(a => a.App.Trim().Length > 0 && a.Platform.Trim().Length > 0 && a.Message.Trim().Length > 0
                    && Uri.TryCreate(a.StoreUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"),
                "Advisory:Apps: every entry needs an App, a Platform, a Message and an absolute http(s) StoreUrl.")
            .Validate(o => o.Apps.Select(a => (a.App, AdvisoryVerdicts.NormalisePlatform(a.Platform))).Distinct().Count() == o.Apps.Count,
                "Advisory:Apps: two entries name the same App and Platform.")
            .ValidateOnStart();
        builder.Services.AddSingleton<HostChainStore>();
        builder.Services.AddSingleton<AdvisorySnapshot>();
        builder.Services.AddHostedService<AdvisoryRefreshService>();
        return builder;
    }
}
