using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReportApi.Auth;

namespace ReportApi.Scope;

/// <summary><c>GET /v1/scope/rejections</c> (reader): what arrived outside <c>Ingest:Scope</c>, most recent first.</summary>
internal static class ScopeEndpoints
{
    public const int MaxItems = 1_000;

    public static RouteGroupBuilder MapScope(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/scope").WithTags("Scope").RequireAuthorization(Policies.Read);
        group.MapGet("/rejections", ListAsync)
            .WithName("GetScopeRejections")
            .WithSummary("Reports refused as outside Ingest:Scope, per app, platform, noted hostname and reason")
            .WithDescription("Counts since first seen (kept for Ingest:Scope:RejectionRetentionDays); includes this replica's not yet flushed counts. " +
                "A real app or host listed here is missing from the scope; names you do not know are someone else's reports.");
        return group;
    }

    internal static async Task<Ok<ScopeRejectionList>> ListAsync(
        ScopeStore store, ScopeRejections pending, IOptions<ScopeOptions> options, CancellationToken ct)
    {
        var merged = new Dictionary<(string, string, string, string), ScopeRejection>();
        foreach (var row in await store.ListAsync(MaxItems, ct)) merged[(row.App, row.Platform, row.Hostname, row.Reason)] = row;
        foreach (var e in pending.Pending())
        {
            var key = (e.App, e.Platform, e.Hostname, e.Reason);
            merged[key] = merged.TryGetValue(key, out var row) ? row.Merge(e) : e;
        }
        var scope = options.Value;
        var items = merged.Values.OrderByDescending(e => e.LastSeen).ThenBy(e => e.App, StringComparer.Ordinal).Take(MaxItems)
            .Select(e => new ScopeRejectionItem(e.App, e.Platform, e.Hostname, e.Reason, e.Reports, e.FirstSeen, e.LastSeen)).ToList();
        return TypedResults.Ok(new ScopeRejectionList(scope.IsSet, [.. scope.Apps.Select(a => a.BundleId)], scope.Hosts, items));
    }
}

/// <summary>The <c>GET /v1/scope/rejections</c> body: the configured scope and the tally ('' for a field the report lacked).</summary>
public sealed record ScopeRejectionList(bool ScopeSet, IReadOnlyList<string> Apps, IReadOnlyList<string> Hosts, IReadOnlyList<ScopeRejectionItem> Items);

public sealed record ScopeRejectionItem(string App, string Platform, string Hostname, string Reason, long Reports,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
