using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Events;
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
            .Enrich.With<RawRequestPathRemover>()
            .WriteTo.Console(new RenderedCompactJsonFormatter()));
        CachingLoggerFactory.Decorate(builder.Services);

        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry").ValidateDataAnnotations().ValidateOnStart();
        var ingestRatio = TelemetryOptions.IngestRatioOf(builder.Configuration);
        builder.Services.AddSingleton<HotRoutes>();
        // The filter reads the hot routes the features registered; options are built after every registration.
        builder.Services.AddOptions<OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions>()
            .Configure<HotRoutes>((options, hot) => options.Filter = http => IngestTraceSampling.Record(http, ingestRatio, hot));

        var otel = builder.Services.AddOpenTelemetry()
            // service.name and service.version on every span and metric, so a trace backend shows which release answered.
            .ConfigureResource(resource => resource.AddService(ReportApiTelemetry.ServiceName, serviceVersion: ReportApiTelemetry.ServiceVersion))
            .WithTracing(tracing => tracing
                .AddSource(ReportApiTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddProcessor(new RedactingSpanProcessor()))
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

    /// <summary>Registers a high-rate public route of the calling feature (<see cref="HotRoute"/>).</summary>
    public static IServiceCollection AddHotRoute(this IServiceCollection services, string name, Func<HttpContext, bool> matches) =>
        services.AddSingleton(new HotRoute(name, matches));

    /// <summary>Registers a statement whose batches are traced at the hot routes' ratio (<see cref="HotStatement"/>).</summary>
    public static IServiceCollection AddHotStatement(this IServiceCollection services, string commandText) =>
        services.AddSingleton(new HotStatement(commandText));

    /// <summary><c>GET /metrics</c> in Prometheus text format, for the service-health dashboard and scrapers.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// One structured line per request, carrying the trace id so a log line leads to its trace. It names the route
    /// template, never the raw path or query (<see cref="TelemetryRedaction"/>): install ids and ingest keys stay out.
    /// Accepted reports (and any other <see cref="HotRoute"/>'s successes) log at Debug: an incident sends thousands a second, the ingest counters (<c>pinreports_*</c>)
    /// count them exactly, and a line each would cost more than storing them. Refused reports (4xx) and failures log.
    /// </summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        var hot = app.Services.GetRequiredService<HotRoutes>();
        app.UseSerilogRequestLogging(options =>
        {
            options.IncludeQueryInRequestPath = false;
            options.GetMessageTemplateProperties = (http, _, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(http.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(TelemetryRedaction.Route(http))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
            options.EnrichDiagnosticContext = (context, http) =>
            {
                context.Set("TraceId", System.Diagnostics.Activity.Current?.TraceId.ToString());
                context.Set("ContentLength", http.Request.ContentLength);
            };
            options.GetLevel = (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : http.Response.StatusCode < 400 && hot.IsHot(http) ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
        return app;
    }
}
