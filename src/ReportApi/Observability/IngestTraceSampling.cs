using System.Diagnostics;

namespace ReportApi.Observability;

/// <summary>Which requests' server spans are recorded: all but a sample of ingest and of the advisory, the two hot public routes (<see cref="TelemetryOptions"/>).</summary>
internal static class IngestTraceSampling
{
    /// <summary>The AspNetCore instrumentation's filter: false drops the request's span (and it is never exported).</summary>
    public static bool Record(HttpContext http, double ingestRatio)
    {
        if (!Ingestion.IngestEndpoints.IsIngest(http) && !ReportApi.Advisory.AdvisoryEndpoints.IsAdvisory(http)) return true;
        // A caller that sampled its own trace asked for this span: keep the trace whole.
        if (Activity.Current is { } activity && activity.ParentId is not null && activity.ActivityTraceFlags.HasFlag(ActivityTraceFlags.Recorded)
            && activity.HasRemoteParent)
        {
            return true;
        }
        return ingestRatio >= 1 || (ingestRatio > 0 && Random.Shared.NextDouble() < ingestRatio);
    }
}
