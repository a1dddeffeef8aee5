using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Formatting.Compact;

namespace ReportApi.Observability;

internal static class ObservabilityExtensions
{
    /// <summary>Serilog JSON logs (with trace ids) and OpenTelemetry traces and metrics, exported over OTLP when configured.</summary>
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .WriteTo.Console(new RenderedCompactJsonFormatter()));

        var otel = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(ReportApiTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(ReportApiTelemetry.Name, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        // OTLP only when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), so a laptop run needs no collector.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary><c>GET /metrics</c> in Prometheus text format, for the service-health dashboard and scrapers.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>One structured line per request, carrying the trace id so a log line leads to its trace.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options => options.EnrichDiagnosticContext = (context, http) =>
        {
            context.Set("TraceId", System.Diagnostics.Activity.Current?.TraceId.ToString());
            context.Set("ContentLength", http.Request.ContentLength);
        });
        return app;
    }
}
