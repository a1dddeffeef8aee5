using Microsoft.AspNetCore.Http.HttpResults;
using ReportApi.Domain.Reports;
using ReportApi.Observability;

namespace ReportApi.Scope;

/// <summary>
/// The scope check between parsing and storing (issue #22; the required ingest keys follow it: Ingestion/IngestKeys). Arrays are all-or-nothing
/// like every other refusal of the contract: one report outside the scope refuses the whole request, nothing of it is
/// stored, and only the out-of-scope reports are tallied (the others were not the problem, and a client that fixes its
/// scope resends them).
/// </summary>
internal static class IngestGate
{
    public const string OutOfScopeType = "https://pinreports.dev/problems/out-of-scope";

    /// <summary>422 when any report is outside <c>Ingest:Scope</c>; null when all are inside (or no scope is set).</summary>
    public static ProblemHttpResult? OutOfScope(IReadOnlyList<PinFailureReport> reports, bool isArray, ScopeCheck scope,
        ScopeRejections tally, DateTimeOffset receivedAt)
    {
        if (!scope.IsSet) return null;
        List<object>? errors = null;
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            var reason = scope.Check(report);
            if (reason == Scope.OutOfScope.None) continue;
            var wire = ScopeCheck.Wire(reason);
            tally.Add(report.AppBundleId, report.AppPlatform, report.NotedHostname, wire, receivedAt);
            ReportApiTelemetry.OutOfScope(wire, 1);
            (errors ??= []).Add(new { pointer = isArray ? $"/{i}" : "", reason = wire, detail = Detail(reason, report) });
        }
        if (errors is null) return null;
        ReportApiTelemetry.RequestRejected("out-of-scope");
        return TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "Report outside this service's scope",
            detail: $"{errors.Count} report(s) name an app, platform or pinned host missing from Ingest:Scope; nothing from this request was stored.",
            type: OutOfScopeType,
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
    }

    public static bool IsArray(ReadOnlySpan<byte> body)
    {
        var trimmed = body.TrimStart(" \t\r\n"u8);
        if (trimmed.StartsWith("\uFEFF"u8)) trimmed = trimmed[3..].TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'[';
    }

    private static string Detail(OutOfScope reason, PinFailureReport report) => reason switch
    {
        Scope.OutOfScope.App => report.AppBundleId is null ? "The report names no app-bundle-id and Ingest:Scope:Apps is set."
            : $"app-bundle-id '{Truncate(report.AppBundleId)}' is not in Ingest:Scope:Apps.",
        Scope.OutOfScope.Platform => $"app-platform '{Truncate(report.AppPlatform ?? "")}' is not in the platforms Ingest:Scope:Apps lists for '{Truncate(report.AppBundleId ?? "")}'.",
        _ => $"noted-hostname '{Truncate(report.NotedHostname)}' is not in Ingest:Scope:Hosts.",
    };

    private static string Truncate(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
