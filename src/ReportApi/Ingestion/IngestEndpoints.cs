using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ReportApi.Domain.Reports;
using ReportApi.Hosting;
using ReportApi.Infrastructure;
using ReportApi.Observability;
using ReportApi.Privacy;
using ReportApi.Scope;

namespace ReportApi.Ingestion;

/// <summary><c>POST /v1/reports</c>: the unauthenticated URL apps put in <c>kTSKReportUris</c> / <c>&lt;report-uri&gt;</c>.</summary>
internal static class IngestEndpoints
{
    public static RouteGroupBuilder MapIngestion(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reports").WithTags("Ingestion");
        group.MapPost("", IngestAsync)
            .WithName("IngestReports")
            .WithSummary("Accept TrustKit (iOS, Android) and RFC 7469 pin-failure reports")
            .WithDescription("One report object or an array of up to 100. 204 means every report is committed (or was a duplicate of a stored one).")
            .Accepts<object>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        if (app.ServiceProvider.GetRequiredService<IOptions<IngestOptions>>().Value.BenchmarkNullEndpoint)
        {
            app.MapPost("/bench/null", NullAsync).ExcludeFromDescription();
        }
        return group;
    }

    /// <summary>
    /// Whether a request is an ingest POST: the one open, hot route that the rate limiter limits and whose logs and
    /// traces are sampled. Path-based, because middleware asks before routing has chosen the endpoint.
    /// </summary>
    public static bool IsIngest(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/v1/reports", StringComparison.OrdinalIgnoreCase);

    /// <summary>The same body read as ingest, then nothing: what Kestrel and the middleware cost alone.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> NullAsync(HttpContext http, IOptions<IngestOptions> options, CancellationToken ct)
    {
        using var body = await RequestBody.ReadAsync(http, options.Value.MaxRequestBytes, ct);
        return body.TooLarge
            ? TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Report body too large")
            : TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> IngestAsync(
        HttpContext http, ReportAnalyzer analyzer, IngestQueue queue, IngestKeys keys, SourceCap sourceCap, IOptions<IngestOptions> options,
        ScopeCheck scope, ScopeRejections outOfScope, SourceNetworks networks, TimeProvider time, CancellationToken ct)
    {
        var o = options.Value;
        if (!IsJson(http.Request.ContentType))
        {
            return Reject("unsupported-media-type", StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the report as application/json (got '{Truncate(http.Request.ContentType ?? "no Content-Type")}').");
        }

        var presentedKey = IngestKeys.Presented(http.Request);
        if (presentedKey is not null && !keys.IsKnown(presentedKey))
        {
            return Reject("unknown-ingest-key", StatusCodes.Status401Unauthorized, "Unknown ingest key",
                "The report URL carries an ingest key that is not configured (Ingest:AppKeys). Send no key, or the app's key.");
        }

        using var body = await RequestBody.ReadAsync(http, o.MaxRequestBytes, ct);
        if (body.TooLarge)
        {
            return Reject("too-large", StatusCodes.Status413PayloadTooLarge, "Report body too large",
                $"The body exceeds Ingest:MaxRequestBytes ({o.MaxRequestBytes} bytes).");
        }

        var parsed = ReportBodyParser.Parse(body.Span, ReportLimits.Default);
        if (!parsed.IsValid)
        {
            ReportApiTelemetry.RequestRejected("invalid");
            return Problems.BadRequest("The report body is invalid",
                [.. parsed.Problems.Select(p => new ParameterError(p.Pointer, p.Message) { Pointer = p.Pointer })],
                detail: $"{parsed.Problems.Count} problem(s); nothing from this request was stored.", type: Problems.InvalidReportType);
        }

        var receivedAt = time.GetUtcNow();
        if (IngestGate.OutOfScope(parsed.Reports, IngestGate.IsArray(body.Span), scope, outOfScope, receivedAt) is { } refused) return refused;
        if (keys.Missing(parsed.Reports, presentedKey) is { } unauthorized) return unauthorized;

        var network = networks.Of(http.Connection.RemoteIpAddress);
        var records = new IngestRecord[parsed.Reports.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var report = parsed.Reports[i];
            var record = await analyzer.AnalyzeAsync(report, receivedAt, keys.Vouches(presentedKey, report.AppBundleId), http.Connection.RemoteIpAddress, ct);
            var counts = sourceCap.Admit(http.Connection.RemoteIpAddress, report, record.DeviceHash, record.Authenticated, receivedAt);
            records[i] = record with
            {
                CountsDevice = counts,
                NetworkId = record.Authenticated ? networks.Keyed(record.DeviceHash, record.Id) : network,
            };
        }

        var request = new WriteRequest(records, time.GetTimestamp());
        if (!queue.TryEnqueue(request))
        {
            return Unavailable(http, o, "backlog-full", "The ingest backlog is full; retry later. Nothing from this request was stored.");
        }

        // The promise of a 2xx: answer only after the transaction holding these reports committed. The writer completes
        // the request after its commit, or the queue's deadline sweep after Ingest:CommitTimeout.
        var result = await request.Completion.Task;
        return result.Outcome switch
        {
            WriteOutcome.Committed => TypedResults.NoContent(),
            WriteOutcome.TimedOut => Unavailable(http, o, "commit-timeout", "The database did not commit in time; retry later."),
            _ => Unavailable(http, o, "database-unavailable", "The database is unavailable; retry later. Nothing from this request was stored."),
        };
    }

    private static ProblemHttpResult Unavailable(HttpContext http, IngestOptions o, string reason, string detail)
    {
        http.Response.Headers[HeaderNames.RetryAfter] = o.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Reject(reason, StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);
    }

    private static ProblemHttpResult Reject(string reason, int status, string title, string detail)
    {
        ReportApiTelemetry.RequestRejected(reason);
        return TypedResults.Problem(statusCode: status, title: title, detail: detail);
    }

    /// <summary>application/json with or without parameters (charset), or any +json type. TrustKit sends exactly application/json.</summary>
    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var type = media.MediaType.AsSpan();
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
