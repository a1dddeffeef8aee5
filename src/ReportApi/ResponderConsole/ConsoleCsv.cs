using Microsoft.AspNetCore.Http.HttpResults;
using ReportApi.Query;

namespace ReportApi.ResponderConsole;

/// <summary>
/// <c>GET /console/reports.csv</c>: the reports CSV of <c>GET /v1/reports</c> (same filter, same query, same writer) for
/// a browser, which cannot send a bearer key: a link with the session cookie downloads it.
/// </summary>
internal static class ConsoleCsv
{
    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> GetAsync(
        [AsParameters] ReportListQuery query, HttpContext http, [FromKeyedServices(Data.ReadRoute.Key)] ReportQueries queries, TimeProvider time, CancellationToken ct)
    {
        var (filter, problems) = ReportFilter.Validate(query with { Cursor = null, Limit = null }, time.GetUtcNow());
        if (filter is null) return QueryEndpoints.InvalidQuery(problems);

        ConsoleHeaders.Apply(http.Response);
        http.Response.ContentType = "text/csv; charset=utf-8";
        var name = $"pinreports-{filter.From.UtcDateTime:yyyyMMdd'T'HHmm}-{filter.To.UtcDateTime:yyyyMMdd'T'HHmm}.csv";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        await ReportCsv.WriteAsync(http.Response.Body, queries.StreamAsync(filter, ct), ct);
        return TypedResults.Empty;
    }
}
