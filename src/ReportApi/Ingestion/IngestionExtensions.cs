using ReportApi.Observability;

namespace ReportApi.Ingestion;

internal static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration("Ingest").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReportAnalyzer>();
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
