using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Npgsql;
using ReportApi.Hosting;
using ReportApi.Observability;

namespace ReportApi.Advisory;

/// <summary>
/// <c>GET /v1/advisory</c>: public (apps call it at start, before and without any key), rate-limited per client
/// (<c>RateLimit:Advisory*</c>), answered from <see cref="AdvisorySnapshot"/> with an ETag and <c>Cache-Control</c>.
/// </summary>
internal static class AdvisoryEndpoints
{
    public const string Path = "/v1/advisory";

    /// <summary>The advisory's own per-client limiter (DI key), apart from the ingest buckets.</summary>
    public const string RateLimiterKey = "advisory";

    /// <summary>App ids and versions are short; the cap only keeps junk out of the problem text.</summary>
    private const int MaxParameterLength = 256;

    /// <summary>
    /// The endpoint, for the route table (OpenAPI, the authorization review) and for hosts without the fast path; with
    /// <see cref="UseAdvisory"/> in the pipeline requests never get this far.
    /// </summary>
    public static RouteGroupBuilder MapAdvisory(this IEndpointRouteBuilder app)
    {
        app.MapHostChains();
        var group = app.MapGroup("/v1").WithTags("Advisory");
        group.MapGet("/advisory", HandleAsync)
            .AllowAnonymous()
            .WithName("Advisory")
            .WithSummary("Must this app version update? (public; call it over a connection that does not pin this host)")
            .WithDescription("Query: app (bundle id), version, platform (ios, android...). Answers action update-required (a pinned host's "
                + "live chain fails this version's pins), update-recommended (a planned chain will, from its date) or none, the hosts and "
                + "the configured message and store URL. A version or app the advisory does not know answers none with known false. "
                + "ETag and Cache-Control; If-None-Match gets 304. Rate-limited per client (429 with Retry-After).")
            .Produces<AdvisoryAnswer>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>
    /// Serves the advisory right after the client address is known (forwarded headers), ahead of request logging,
    /// authentication and endpoint dispatch: it is public, called at every app start by every device, answered from
    /// memory, and counted by its own metrics, so the rest of the pipeline would only add cost (it halved the rate).
    /// </summary>
    public static WebApplication UseAdvisory(this WebApplication app)
    {
        var snapshot = app.Services.GetRequiredService<AdvisorySnapshot>();
        var limiter = app.Services.GetRequiredKeyedService<PartitionedRateLimiter<HttpContext>>(RateLimiterKey);
        app.Use((http, next) => IsAdvisory(http) ? ServeAsync(http, snapshot, limiter) : next(http));
        return app;
    }

    public static bool IsAdvisory(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) && http.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase);

    /// <summary>Declared so the OpenAPI document lists them; read from the raw query (which also sees a repeated parameter).</summary>
    internal sealed record AdvisoryQuery(
        [property: FromQuery(Name = "app")] string? App,
        [property: FromQuery(Name = "version")] string? Version,
        [property: FromQuery(Name = "platform")] string? Platform);

    internal static Task HandleAsync(
        [AsParameters] AdvisoryQuery parameters, HttpContext http, AdvisorySnapshot snapshot,
        [FromKeyedServices(RateLimiterKey)] PartitionedRateLimiter<HttpContext> limiter)
    {
        _ = parameters;
        return ServeAsync(http, snapshot, limiter);
    }

    private static Task ServeAsync(HttpContext http, AdvisorySnapshot snapshot, PartitionedRateLimiter<HttpContext> limiter)
    {
        using (var lease = limiter.AttemptAcquire(http))
        {
            if (!lease.IsAcquired) return RateLimitedAsync(http, lease);
        }

        // Validation never depends on the app: an unknown app must not be told apart from a known one by its errors.
        var query = http.Request.Query;
        List<ParameterError>? errors = null;
        var app = Required(query, "app", ref errors);
        var version = Required(query, "version", ref errors);
        var platform = Required(query, "platform", ref errors);
        if (errors is not null)
        {
            ReportApiTelemetry.AdvisoryRejected("invalid");
            return Problems.BadRequest("Invalid query parameters", errors).ExecuteAsync(http);
        }

        return snapshot.Current is { } answers
            ? WriteAsync(http, answers, new AdvisoryKey(app!, version!, platform!))
            : FirstAnswerAsync(http, snapshot, new AdvisoryKey(app!, version!, platform!));
    }

    /// <summary>The ready bytes of the answer, or 304: no serialisation, no allocation beyond the headers.</summary>
    private static Task WriteAsync(HttpContext http, AdvisorySnapshot.Answers answers, AdvisoryKey key)
    {
        var answer = answers.Lookup(key);
        ReportApiTelemetry.AdvisoryAnswered(answer.Answer.Action, answer.Answer.Known);
        var response = http.Response;
        response.Headers.ETag = answer.ETagText;
        response.Headers.CacheControl = answers.CacheControl;
        if (NoneMatch(http.Request.Headers.IfNoneMatch, answer.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = answer.Body.Length;
        return response.Body.WriteAsync(answer.Body, 0, answer.Body.Length, http.RequestAborted);
    }

    /// <summary>Only before this replica's first build: the request waits for it (or gets 503 while the database is down).</summary>
    private static async Task FirstAnswerAsync(HttpContext http, AdvisorySnapshot snapshot, AdvisoryKey key)
    {
        AdvisorySnapshot.Answers answers;
        try
        {
            answers = await snapshot.GetAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            ReportApiTelemetry.AdvisoryRejected("not-ready");
            http.Response.Headers.RetryAfter = "5";
            await Problems.Status(StatusCodes.Status503ServiceUnavailable, "Advisory not ready",
                "The advisory has not loaded its answers yet; retry in a few seconds.").ExecuteAsync(http);
            return;
        }
        await WriteAsync(http, answers, key);
    }

    private static Task RateLimitedAsync(HttpContext http, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        ReportApiTelemetry.AdvisoryRejected("rate-limited");
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests",
            $"This client exceeded the advisory rate limit; retry after {retryAfter} s.").ExecuteAsync(http);
    }

    /// <summary>RFC 9110 §13.1.2: a weak comparison, and <c>*</c> matches any current answer.</summary>
    private static bool NoneMatch(StringValues header, EntityTagHeaderValue current)
    {
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags)) return false;
        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false)) return true;
        }
        return false;
    }

    private static string? Required(IQueryCollection query, string name, ref List<ParameterError>? errors)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            (errors ??= []).Add(new(name, $"{name} is required."));
            return null;
        }
        if (values.Count > 1)
        {
            (errors ??= []).Add(new(name, $"{name} may be given once."));
            return null;
        }
        var value = values[0]!.Trim();
        if (value.Length > MaxParameterLength)
        {
            (errors ??= []).Add(new(name, $"{name} is at most {MaxParameterLength} characters."));
            return null;
        }
        return value;
    }
}
