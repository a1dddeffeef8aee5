using ReportApi.Observability;

namespace ReportApi.Ingestion;

internal static class IngestionExtensions
{
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration("Ingest").ValidateDataAnnotations().ValidateOnStart();
        // Refuse to start without a device-id key outside Development (design decision 4).
        var environment = builder.Environment;
        builder.Services.AddOptions<PrivacyOptions>().BindConfiguration("Privacy")
            .Validate(o => !string.IsNullOrEmpty(o.DeviceIdKey) || environment.IsDevelopment(),
                "Privacy:DeviceIdKey is required outside the Development environment (env Privacy__DeviceIdKey); e.g. `openssl rand -base64 32`.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DeviceIdHasher>();
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
