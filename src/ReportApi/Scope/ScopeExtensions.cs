namespace ReportApi.Scope;

internal static class ScopeExtensions
{
    /// <summary><c>Ingest:Scope</c>: the check the ingest endpoint applies, the in-memory tally of refusals and its flusher.</summary>
    public static IHostApplicationBuilder AddScope(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScopeOptions>().BindConfiguration(ScopeOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.Apps.All(a => a.BundleId.Length > 0), "Ingest:Scope:Apps: every entry needs a BundleId.")
            .Validate(o => o.Hosts.All(h => h.Trim('.', '*').Length > 0 && h.LastIndexOf('*') <= 0), "Ingest:Scope:Hosts: a host name, or *.domain for its subdomains.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ScopeCheck>();
        builder.Services.AddSingleton<ScopeRejections>();
        builder.Services.AddSingleton<ScopeStore>();
        builder.Services.AddSingleton<ScopeRejectionFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScopeRejectionFlusher>());
        return builder;
    }
}
