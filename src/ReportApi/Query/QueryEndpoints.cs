using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using ReportApi.Auth;
using ReportApi.Hosting;

namespace ReportApi.Query;

/// <summary><c>GET /v1/reports</c> and <c>GET /v1/reports/{id}</c>: reports for incident responders (any role).</summary>
internal static class QueryEndpoints
{
    public static RouteGroupBuilder MapReportQueries(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reports").WithTags("Reports").RequireAuthorization(Policies.Read);
        group.MapGet("", ListAsync)
            .WithName("ListReports")
            .WithSummary("Reports, newest first, filtered; keyset-paginated JSON or a CSV stream (Accept: text/csv)")
            .Produces<ReportPage>(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("{id}", GetAsync)
            .WithName("GetReport")
            .WithSummary("One report: fields, raw JSON, every certificate of each chain, and its diagnosis with an explanation")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<ReportPage>, EmptyHttpResult, ProblemHttpResult>> ListAsync(
        [AsParameters] ReportListQuery query, HttpContext http, [FromKeyedServices(Data.ReadRoute.Key)] ReportQueries queries, TimeProvider time, CancellationToken ct)
    {
        var (filter, problems) = ReportFilter.Validate(query, time.GetUtcNow());
        if (filter is null) return InvalidQuery(problems);

        if (WantsCsv(http.Request))
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = "attachment; filename=\"pinreports.csv\"";
            await ReportCsv.WriteAsync(http.Response.Body, queries.StreamAsync(filter, ct), ct);
            return TypedResults.Empty;
        }
        return TypedResults.Ok(await queries.PageAsync(filter, ct));
    }

    private static async Task<Results<Ok<ReportDetails>, ProblemHttpResult>> GetAsync(string id, [FromKeyedServices(Data.ReadRoute.Key)] ReportQueries queries,
        Microsoft.Extensions.Options.IOptions<Notifications.NotificationOptions> notifications, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return Problems.BadRequest("Invalid report id", "id", "A report id is a UUID, as returned by GET /v1/reports.");
        }
        var details = await queries.FindAsync(guid, ct);
        return details is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Report not found", detail: $"No report has id {guid}.")
            : TypedResults.Ok(details with
            {
                // The runbook section of this report's diagnosis, where the alerts link too.
                Diagnosis = details.Diagnosis with { RunbookUrl = Notifications.Runbook.Link(notifications.Value, details.Diagnosis.Code) },
            });
    }

    internal static ProblemHttpResult InvalidQuery(IEnumerable<QueryProblem> problems) =>
        Problems.BadRequest("Invalid query parameters", [.. problems.Select(p => new ParameterError(p.Parameter, p.Detail))]);

    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
}
