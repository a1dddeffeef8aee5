using System.Diagnostics;
using OpenTelemetry;

namespace ReportApi.Observability;

/// <summary>
/// What a request may leave in logs, traces and metrics: its route template, never its raw path or query. Paths carry
/// install ids (<c>DELETE /v1/devices/{vendorId}</c>), report URLs carry ingest keys (<c>?key=</c>) and outgoing
/// webhook URLs are secrets themselves (Slack's path is its credential), and whatever reaches a log or a trace
/// backend is kept, copied and read by more people than the database.
/// </summary>
internal static class TelemetryRedaction
{
    /// <summary>Shown where a request matched no endpoint: its path is whatever the client typed, possibly a secret.</summary>
    public const string Unmatched = "(no endpoint)";

    /// <summary>The matched endpoint's route template (<c>/v1/devices/{vendorId}</c>), or <see cref="Unmatched"/>.</summary>
    public static string Route(HttpContext http) =>
        http.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } template } ? "/" + template.Trim('/') : Unmatched;

    /// <summary>An outgoing URL without its path and query: enough to see which receiver was called.</summary>
    public static string Origin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) + "/…" : "…";
}

/// <summary>
/// ASP.NET Core puts the raw <c>RequestPath</c> into the logging scope of every line written during a request (an
/// install id in <c>DELETE /v1/devices/{vendorId}</c>); only the request line keeps the property, with the route
/// template. The trace id still ties every line to its request.
/// </summary>
internal sealed class RawRequestPathRemover : Serilog.Core.ILogEventEnricher
{
    private const string RequestLogger = "Serilog.AspNetCore.RequestLoggingMiddleware";

    public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
    {
        if (!logEvent.Properties.ContainsKey("RequestPath")) return;
        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is Serilog.Events.ScalarValue { Value: RequestLogger }) return;
        logEvent.RemovePropertyIfPresent("RequestPath");
    }
}

/// <summary>
/// Rewrites spans before any exporter sees them: server spans keep <c>http.route</c> in place of <c>url.path</c> and
/// lose <c>url.query</c>; client spans (notification webhooks) keep only the receiver's origin in <c>url.full</c>.
/// A processor rather than instrumentation callbacks, so it covers the runtime's own System.Net.Http spans too.
/// </summary>
internal sealed class RedactingSpanProcessor : BaseProcessor<Activity>
{
    public override void OnEnd(Activity activity)
    {
        if (activity.GetTagItem("url.path") is string)
        {
            activity.SetTag("url.path", activity.GetTagItem("http.route") as string ?? TelemetryRedaction.Unmatched);
        }
        if (activity.GetTagItem("url.query") is not null) activity.SetTag("url.query", null);
        if (activity.GetTagItem("url.full") is string full) activity.SetTag("url.full", TelemetryRedaction.Origin(full));
        if (activity.GetTagItem("http.url") is string legacy) activity.SetTag("http.url", TelemetryRedaction.Origin(legacy));
        if (activity.Kind == ActivityKind.Server && activity.GetTagItem("http.route") is null)
        {
            // An unmatched request's span is named after its method only: keep it that way, whatever the path was.
            activity.DisplayName = activity.GetTagItem("http.request.method") as string ?? activity.DisplayName;
        }
    }
}
