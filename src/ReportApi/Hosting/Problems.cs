using Microsoft.AspNetCore.Http.HttpResults;

namespace ReportApi.Hosting;

/// <summary>
/// The one shape of every 400 (issue #18; before it there were three: ValidationProblem-like lists of strings,
/// <c>{ parameter, detail }</c> objects, and a bare detail): RFC 9457 problem details with <c>type</c>, <c>title</c>,
/// <c>status</c>, <c>detail</c> and <c>errors</c>, a list of <see cref="ParameterError"/> keyed by parameter. Every
/// endpoint builds its 400 here; <see cref="Conform"/> brings the framework's own 400s (a body that does not bind) to
/// the same shape. This namespace imports no feature, so every feature can use it without a loop.
/// </summary>
public static class Problems
{
    /// <summary>A query, path or body parameter is invalid.</summary>
    public const string InvalidParametersType = "https://pinreports.dev/problems/invalid-parameters";

    /// <summary>An ingested report body is invalid (its errors carry JSON pointers).</summary>
    public const string InvalidReportType = "https://pinreports.dev/problems/invalid-report";

    public const string ErrorsKey = "errors";

    /// <summary>
    /// 400 with every problem listed. <paramref name="detail"/> defaults to the problems' details in order, so a
    /// client that shows only <c>detail</c> still says what to fix.
    /// </summary>
    public static ProblemHttpResult BadRequest(
        string title, IReadOnlyList<ParameterError> errors, string? detail = null, string type = InvalidParametersType,
        IEnumerable<KeyValuePair<string, object?>>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? []) { [ErrorsKey] = errors };
        return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: title,
            detail: detail ?? string.Join(" ", errors.Select(e => e.Detail)), type: type, extensions: all);
    }

    /// <summary>400 for one parameter.</summary>
    public static ProblemHttpResult BadRequest(string title, string parameter, string detail) =>
        BadRequest(title, [new ParameterError(parameter, detail)]);

    /// <summary>
    /// Any other problem (401, 404, 409, 413, 415, 429, 503): type, title, status and detail.
    /// </summary>
    public static ProblemHttpResult Status(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>
    /// <c>CustomizeProblemDetails</c>: a 400 the framework writes itself (a JSON body that does not bind, a malformed
    /// request) gets the same type and an <c>errors</c> entry, so a client handles every 400 one way.
    /// </summary>
    public static void Conform(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status != StatusCodes.Status400BadRequest || problem.Extensions.ContainsKey(ErrorsKey)) return;
        problem.Type = InvalidParametersType;
        // The framework's exception text names handler parameters and types: not for clients (it shows it in Development only).
        problem.Detail ??= "The request could not be read: check the body (JSON where JSON is expected) and the parameters.";
        problem.Extensions[ErrorsKey] = new[] { new ParameterError("body", problem.Detail) };
    }
}
