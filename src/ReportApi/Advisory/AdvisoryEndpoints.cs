using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Npgsql;
using ReportApi.Observability;
using ReportApi.Pins;

namespace ReportApi.Advisory;

/// <summary>
/// <c>GET /v1/advisory</c>: public (apps call it at start, before and without any key), rate-limited per client
/// (<c>RateLimit:Advisory*</c>), answered from <see cref="AdvisorySnapshot"/> with an ETag and <c>Cache-Control</c>.
/// </summary>
internal static class AdvisoryEndpoints
{
    public const string Path = "/v1/advisory";

    /// <summary>App ids and versions are short; the cap only keeps junk out of the logs and the problem text.</summary>
    private const int MaxParameterLength = 256;

    public static RouteGroupBuilder MapAdvisory(this IEndpointRouteBuilder app)
    {
        app.MapHostChains();
        var group = app.MapGroup("/v1").WithTags("Advisory");
        group.MapGet("/advisory", GetAsync)
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

    /// <summary>For the rate limiter, request logging and trace sampling, which treat this hot public route like ingest.</summary>
    public static bool IsAdvisory(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) && http.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase);

    /// <summary>Declared so the OpenAPI document lists them; read from the raw query (which also sees a repeated parameter).</summary>
    internal sealed record AdvisoryQuery(
        [property: FromQuery(Name = "app")] string? App,
        [property: FromQuery(Name = "version")] string? Version,
        [property: FromQuery(Name = "platform")] string? Platform);

    internal static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(
        [AsParameters] AdvisoryQuery parameters, HttpContext http, AdvisorySnapshot snapshot, CancellationToken ct)
    {
        _ = parameters;
        // Validation never depends on the app: an unknown app must not be told apart from a known one by its errors.
        var query = http.Request.Query;
        List<string>? errors = null;
        var app = Required(query, "app", ref errors);
        var version = Required(query, "version", ref errors);
        var platform = Required(query, "platform", ref errors);
        if (errors is not null)
        {
            ReportApiTelemetry.AdvisoryRejected("invalid");
            return PinsEndpoints.BadRequest("Invalid query parameters", errors);
        }

        AdvisorySnapshot.Answers answers;
        try
        {
            answers = await snapshot.GetAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // Only before the first build (a replica started while the database is down); afterwards the last answers serve.
            ReportApiTelemetry.AdvisoryRejected("not-ready");
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Advisory not ready",
                detail: "The advisory has not loaded its answers yet; retry in a few seconds.");
        }

        var answer = answers.Lookup(new AdvisoryKey(app!, version!, platform!));
        ReportApiTelemetry.AdvisoryAnswered(answer.Answer.Action, answer.Answer.Known);
        var headers = http.Response.Headers;
        headers.ETag = answer.ETagText;
        headers.CacheControl = answers.CacheControl;
        if (NoneMatch(http.Request.Headers.IfNoneMatch, answer.ETag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(answer.Body, "application/json; charset=utf-8");
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

    private static string? Required(IQueryCollection query, string name, ref List<string>? errors)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            (errors ??= []).Add($"{name} is required.");
            return null;
        }
        if (values.Count > 1)
        {
            (errors ??= []).Add($"{name} may be given once.");
            return null;
        }
        var value = values[0]!.Trim();
        if (value.Length > MaxParameterLength)
        {
            (errors ??= []).Add($"{name} is at most {MaxParameterLength} characters.");
            return null;
        }
        return value;
    }
}
