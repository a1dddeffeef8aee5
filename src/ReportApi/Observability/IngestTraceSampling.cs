using System.Diagnostics;

namespace ReportApi.Observability;

/// <summary>Which requests' server spans are recorded: all but a sample of the hot public routes, ingest and the advisory (<see cref="TelemetryOptions"/>, <see cref="HotRoutes"/>).</summary>
internal static class IngestTraceSampling
{
    /// <summary>The AspNetCore instrumentation's filter: false drops the request's span (and it is never exported).</summary>
    public static bool Record(HttpContext http, double ingestRatio, HotRoutes hot)
    {
        if (!hot.IsHot(http)) return true;
        // A caller that sampled its own trace asked for this span: keep the trace whole.
        if (Activity.Current is { } activity && activity.ParentId is not null && activity.ActivityTraceFlags.HasFlag(ActivityTraceFlags.Recorded)
            && activity.HasRemoteParent)
        {
            return true;
        }
        return Sampled(ingestRatio);
    }

    /// <summary>
    /// Npgsql's batch filter: the ingest writer's batch is traced at the same ratio as the requests it commits. It runs
    /// hundreds of times a second, and Npgsql builds the whole batch text (the multi-CTE insert) for a span's
    /// <c>db.statement</c> before any sampler sees it: that text was ≈ 8 % of the service's allocations under load.
    /// Every other batch is traced as before.
    /// </summary>
    public static bool TraceBatch(Npgsql.NpgsqlBatch batch, double ingestRatio, HotRoutes hot) =>
        !hot.IsHot(batch) || Sampled(ingestRatio);

    private static bool Sampled(double ratio) => ratio >= 1 || (ratio > 0 && Random.Shared.NextDouble() < ratio);
}
