using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ReportApi.Alerting;
using ReportApi.Diagnosis;
using ReportApi.Pins;
using ReportApi.Query;
using ReportApi.Stats;

namespace ReportApi.ResponderConsole;

/// <summary>An API answer for a page: the value, or the problem the API would have answered (shown, with its status).</summary>
internal sealed record Answer<T>(T? Value, ProblemDetails? Problem) where T : class
{
    public int Status => Problem?.Status ?? StatusCodes.Status200OK;
}

/// <summary>
/// What the pages read, through the JSON API's own handlers (the same validation, SQL and limits): a page is the API
/// answer rendered as HTML, never a second query that could drift from it.
/// </summary>
internal sealed class ConsoleQueries(
    IServiceProvider services, AlertingStore alerts, ReportQueries reports, PinInventoryStore pins, PreflightService preflight,
    StatsStore stats, DiagnosisService diagnosis, IOptions<PinsOptions> pinsOptions, TimeProvider time)
{
    public ReportQueries Reports => reports;

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<Answer<AlertList>> AlertsAsync(string? state, CancellationToken ct) =>
        Unwrap<AlertList>((await AlertsEndpoints.ListAsync(state, alerts, ct)).Result);

    /// <summary>One alert, as the list shows it; null when there is none (or it is a pending spike that never fired).</summary>
    public async Task<AlertResponse?> AlertAsync(long id, CancellationToken ct)
    {
        var alert = await alerts.GetAsync(id, ct);
        return alert is null || alert.IsHidden ? null : AlertResponse.From(alert);
    }

    public async Task<Answer<AlertResponse>> AcknowledgeAsync(string id, ClaimsPrincipal user, CancellationToken ct) =>
        Unwrap<AlertResponse>((await AlertsEndpoints.AcknowledgeAsync(id, user, alerts, time, ct)).Result);

    /// <summary><c>GET /v1/stats/failures</c> with these query parameters.</summary>
    public async Task<Answer<FailureStats>> FailuresAsync(IEnumerable<KeyValuePair<string, string?>> query, CancellationToken ct) =>
        Unwrap<FailureStats>((await StatsEndpoints.GetFailuresAsync(Context(query), stats, time, ct)).Result);

    /// <summary><c>GET /v1/pins</c> with these query parameters.</summary>
    public async Task<Answer<PinInventoryResponse>> PinsAsync(IEnumerable<KeyValuePair<string, string?>> query, CancellationToken ct)
    {
        var http = Context(query);
        var q = http.Request.Query;
        var parameters = new PinsEndpoints.PinListQuery(q["app"], q["version"], q["platform"], q["hostname"], q["expiringWithinDays"]);
        return Unwrap<PinInventoryResponse>((await PinsEndpoints.ListAsync(parameters, http, pins, diagnosis, pinsOptions, time, ct)).Result);
    }

    /// <summary><c>POST /v1/preflight?hostname=</c> with this PEM chain as the body.</summary>
    public async Task<Answer<PreflightResponse>> PreflightAsync(string hostname, string pem, CancellationToken ct)
    {
        var http = Context([new("hostname", hostname)]);
        var body = Encoding.UTF8.GetBytes(pem);
        http.Request.Method = HttpMethods.Post;
        http.Request.ContentType = "application/x-pem-file";
        http.Request.ContentLength = body.Length;
        http.Request.Body = new MemoryStream(body);
        var result = await PinsEndpoints.PreflightAsync(new PinsEndpoints.PreflightQuery(hostname), http, preflight, time, ct);
        return Unwrap<PreflightResponse>(result.Result);
    }

    private DefaultHttpContext Context(IEnumerable<KeyValuePair<string, string?>> query)
    {
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.QueryString = QueryString.Create(query.Where(p => !string.IsNullOrEmpty(p.Value)));
        return http;
    }

    private static Answer<T> Unwrap<T>(IResult result) where T : class => result switch
    {
        Ok<T> ok => new Answer<T>(ok.Value, null),
        ProblemHttpResult problem => new Answer<T>(null, problem.ProblemDetails),
        _ => throw new InvalidOperationException($"Unexpected API result {result.GetType().Name}."),
    };
}
