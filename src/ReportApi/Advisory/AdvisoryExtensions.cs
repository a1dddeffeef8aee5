using Microsoft.Extensions.Options;
using ReportApi.Domain.Reports;
using ReportApi.Observability;
using ReportApi.Security;

namespace ReportApi.Advisory;

internal static class AdvisoryExtensions
{
    public static IHostApplicationBuilder AddAdvisory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdvisoryOptions>().BindConfiguration("Advisory").ValidateDataAnnotations()
            .Validate(o => o.Apps.All(a => a.App.Trim().Length > 0 && a.Platform.Trim().Length > 0 && a.Message.Trim().Length > 0
                    && Uri.TryCreate(a.StoreUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"),
                "Advisory:Apps: every entry needs an App, a Platform, a Message and an absolute http(s) StoreUrl.")
            .Validate(o => o.Apps.Select(a => (a.App, Platforms.Normalise(a.Platform))).Distinct().Count() == o.Apps.Count,
                "Advisory:Apps: two entries name the same App and Platform.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdvisoryStore>();
        builder.Services.AddSingleton<AdvisorySnapshot>();
        builder.Services.AddHostedService<AdvisoryRefreshService>();
        builder.Services.AddKeyedSingleton(AdvisoryEndpoints.RateLimiterKey,
            (services, _) => AdvisoryRateLimiter.Create(services.GetRequiredService<IOptions<RateLimitOptions>>().Value));
        builder.Services.AddHotRoute("advisory", AdvisoryEndpoints.IsAdvisory);
        return builder;
    }
}
