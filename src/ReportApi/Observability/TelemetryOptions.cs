using System.ComponentModel.DataAnnotations;

namespace ReportApi.Observability;

/// <summary>Configuration section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// <c>Telemetry:IngestTraceSampleRatio</c>: the share of <c>POST /v1/reports</c> (and <c>GET /v1/advisory</c>) requests recorded as traces (0–1).
    /// Ingest is the hot route (thousands of reports a second in an incident), and recording every request's span with
    /// its tags costs more than a report's parsing; one in a hundred still shows where time goes. A request that
    /// arrives with a sampled <c>traceparent</c> is always recorded. Every other route is always traced. Metrics and
    /// ingest counters are not sampled.
    /// </summary>
    [Range(0.0, 1.0)]
    public double IngestTraceSampleRatio { get; set; } = 0.01;

    /// <summary>
    /// The ratio as configured, read while the services are being registered: the tracing filters that use it (the
    /// ASP.NET Core instrumentation's, Npgsql's batch filter) are built before options can be resolved.
    /// </summary>
    public static double IngestRatioOf(IConfiguration configuration) =>
        (configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions()).IngestTraceSampleRatio;
}
