namespace ReportApi.Domain.Reports;

/// <summary>One reason a body was rejected, located by an RFC 6901 JSON pointer into the request body.</summary>
public sealed record ReportProblem(string Pointer, string Message);

/// <summary>Outcome of parsing a request body: either every report (all-or-nothing) or the problems.</summary>
public sealed record BodyParseResult(IReadOnlyList<PinFailureReport> Reports, IReadOnlyList<ReportProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}
