using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ReportApi.Auth;
using ReportApi.Domain.Reports;
using ReportApi.Hosting;

namespace ReportApi.Stats;

/// <summary>
/// <c>GET /v1/stats/failures</c> (failure counts, distinct devices and rates per bucket and group) and
/// <c>POST /v1/activity</c> (admin: the active-device denominators).
/// </summary>
internal static class StatsEndpoints
{
    public const int MaxActivityRows = 10_000;
    private const int MaxActivityBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/stats").WithTags("Stats").RequireAuthorization(Policies.Read)
            .MapGet("/failures", StreamFailures)
            .CacheOutput(StatsCachePolicy.Name)
            .WithName("GetFailureStats")
            .WithSummary("Failure reports, distinct devices and failure rates per bucket, grouped")
            .WithDescription("groupBy: comma list of app, version, platform, hostname, notedHostname, diagnosis. from/to: ISO 8601 " +
                "(default the last 24 h). interval: 1m, 5m, 1h, 1d (default chosen from the range). Filters: app, version, platform, " +
                "hostname, notedHostname, diagnosis. Every bucket is returned, zero-filled.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        app.MapGroup("/v1/activity").WithTags("Stats").RequireAuthorization(Policies.Admin)
            .MapPost("", PostActivityAsync)
            .WithName("PostActivity")
            .WithSummary("Upsert active devices per app, version, platform and UTC day (the failure-rate denominators)")
            .Accepts<ActivityRow[]>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>The HTTP handler: validated here, then the answer is streamed as it is read (<see cref="FailureStatsResult"/>).</summary>
    internal static Results<FailureStatsResult, ProblemHttpResult> StreamFailures(HttpContext http, StatsStore store, TimeProvider time)
    {
        var (request, problems) = StatsRequest.Parse(http.Request.Query, time.GetUtcNow());
        if (request is null) return Invalid(InvalidQueryTitle, problems);
        return new FailureStatsResult(request, store);
    }

    /// <summary>The same answer as objects, for the responder console (same validation, SQL and zero-filling).</summary>
    internal static async Task<Results<Ok<FailureStats>, ProblemHttpResult>> GetFailuresAsync(
        HttpContext http, StatsStore store, TimeProvider time, CancellationToken ct)
    {
        var (request, problems) = StatsRequest.Parse(http.Request.Query, time.GetUtcNow());
        if (request is null) return Invalid(InvalidQueryTitle, problems);
        var sink = new FailureStatsObjectSink();
        await store.ReadFailuresAsync(request, sink, ct);
        return TypedResults.Ok(sink.Result);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> PostActivityAsync(
        HttpContext http, StatsStore store, TimeProvider time, CancellationToken ct)
    {
        if (http.Request.ContentLength > MaxActivityBytes)
        {
            return Invalid(InvalidActivityTitle, [new("", $"The body exceeds {MaxActivityBytes} bytes; send at most {MaxActivityRows} rows per request.")]);
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 4 }, ct);
        }
        catch (JsonException e)
        {
            return Invalid(InvalidActivityTitle, [new("", $"Not JSON: {e.Message}")]);
        }

        using (document)
        {
            var (rows, problems) = ActivityRow.ParseAll(document.RootElement);
            if (problems.Count > 0) return Invalid(InvalidActivityTitle, problems);

            // One row per key (the last one wins): an upsert cannot touch the same row twice in one statement.
            var unique = rows.GroupBy(r => (r.App, r.Version, r.Platform, r.Day)).Select(g => g.Last()).ToList();
            await store.UpsertActivityAsync(unique, time.GetUtcNow(), ct);
        }
        return TypedResults.NoContent();
    }

    private const string InvalidQueryTitle = "The stats query is invalid";
    private const string InvalidActivityTitle = "The activity body is invalid";

    /// <summary>Every problem listed; the detail keeps its count (what this endpoint always said).</summary>
    private static ProblemHttpResult Invalid(string title, IReadOnlyList<ParameterError> errors) =>
        Problems.BadRequest(title, errors, detail: $"{errors.Count} problem(s).");
}

/// <summary>One denominator row of <c>POST /v1/activity</c>: <c>{ "app", "version", "platform", "day", "activeDevices" }</c>.</summary>
internal sealed record ActivityRow(string App, string Version, string Platform, DateOnly Day, long ActiveDevices)
{
    /// <summary>Validates every row; a problem's parameter is a JSON pointer (<c>/3/day</c>).</summary>
    public static (List<ActivityRow> Rows, List<ParameterError> Problems) ParseAll(JsonElement root)
    {
        var rows = new List<ActivityRow>();
        var problems = new List<ParameterError>();
        if (root.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new("", "The body must be a JSON array of { app, version, platform, day, activeDevices }."));
            return (rows, problems);
        }
        if (root.GetArrayLength() is 0 or > StatsEndpoints.MaxActivityRows)
        {
            problems.Add(new("", $"Send between 1 and {StatsEndpoints.MaxActivityRows} rows (got {root.GetArrayLength()})."));
            return (rows, problems);
        }
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var at = $"/{index++}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new(at, "Each row must be an object."));
                continue;
            }
            var app = Text(item, "app", at, problems);
            var version = Text(item, "version", at, problems);
            var platform = Text(item, "platform", at, problems);
            DateOnly? day = null;
            if (item.TryGetProperty("day", out var d) && d.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(d.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                day = parsed;
            }
            else
            {
                problems.Add(new($"{at}/day", "'day' must be a UTC day as yyyy-MM-dd."));
            }
            long? active = null;
            if (item.TryGetProperty("activeDevices", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt64(out var n) && n >= 0)
            {
                active = n;
            }
            else
            {
                problems.Add(new($"{at}/activeDevices", "'activeDevices' must be a whole number >= 0."));
            }
            if (app is not null && version is not null && platform is not null && day is { } dd && active is { } aa)
            {
                // Platforms are stored as the report parser normalises them (IOS, ANDROID, MACOS), so match that spelling.
                rows.Add(new ActivityRow(app, version, Platforms.Normalise(platform), dd, aa));
            }
        }
        return (rows, problems);
    }

    private static string? Text(JsonElement item, string name, string at, List<ParameterError> problems)
    {
        if (item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 and <= 512 } text && !string.IsNullOrWhiteSpace(text))
        {
            return text;
        }
        problems.Add(new($"{at}/{name}", $"'{name}' must be a non-empty string of at most 512 characters."));
        return null;
    }
}
