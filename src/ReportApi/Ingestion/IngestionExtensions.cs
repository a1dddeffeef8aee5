using Microsoft.Extensions.Options;
using ReportApi.Hosting;
using ReportApi.Observability;
using ReportApi.Security;

namespace ReportApi.Ingestion;

internal static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration("Ingest").ValidateDataAnnotations()
            .Validate(o => o.AppKeys.All(k => k.App.Length > 0 && k.Key.Length >= 16),
                "Ingest:AppKeys: every entry needs an App (app-bundle-id) and a Key of at least 16 characters.")
            .ValidateOnStart();
        // Every other endpoint's 503 (database unavailable) advises the same wait as ingest's.
        builder.Services.AddOptions<ServiceUnavailableOptions>()
            .Configure<IOptions<IngestOptions>>((o, ingest) => o.RetryAfterSeconds = ingest.Value.RetryAfterSeconds);
        builder.Services.AddHotRoute("ingest", IngestEndpoints.IsIngest).AddHotStatement(IngestSql.InsertFresh);
        builder.Services.AddSingleton(new RateLimitedRoute(IngestEndpoints.IsIngest));
        builder.Services.AddOptions<NewChainOptions>().BindConfiguration("Ingest:NewChains").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<NewChainLane>();
        builder.Services.AddSingleton<DeferredDiagnosisSignal>();
        builder.Services.AddSingleton<ReportAnalyzer>();
        builder.Services.AddSingleton<DeferredDiagnosisStore>();
        builder.Services.AddHostedService<DeferredDiagnosisPass>();
        builder.Services.AddSingleton<IngestKeys>();
        builder.Services.AddSingleton<SourceCap>();
        builder.Services.AddSingleton<SeriesCaps>();
        builder.Services.AddSingleton(sp =>
        {
            var queue = ActivatorUtilities.CreateInstance<IngestQueue>(sp);
            ReportApiTelemetry.ObserveQueue(() => queue.PendingReports);
            return queue;
        });
        builder.Services.AddHostedService<ReportWriter>();
        return builder;
    }
}
