using ReportApi.Observability;

namespace ReportApi.Ingestion;

internal static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration("Ingest").ValidateDataAnnotations()
            .Validate(o => o.AppKeys.All(k => k.App.Length > 0 && k.Key.Length >= 16),
                "Ingest:AppKeys: every entry needs an App (app-bundle-id) and a Key of at least 16 characters.")
            .ValidateOnStart();
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
