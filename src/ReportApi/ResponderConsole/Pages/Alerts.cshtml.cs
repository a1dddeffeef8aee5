using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ReportApi.Alerting;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>Firing (default), resolved or all alerts, newest first: <c>GET /v1/alerts</c> as a table.</summary>
internal sealed class AlertsModel(ConsoleQueries queries, IAuthorizationService authorization) : PageModel
{
    /// <summary>Resolved alerts shown under the firing ones on the default view.</summary>
    public const int RecentResolved = 20;

    /// <summary>null: the default view (firing, then the most recent resolved); else the API's state filter.</summary>
    public string? State { get; private set; }
    public IReadOnlyList<AlertResponse> Alerts { get; private set; } = [];
    public IReadOnlyList<AlertResponse> Resolved { get; private set; } = [];
    public string? Problem { get; private set; }
    public bool CanAcknowledge { get; private set; }
    public long? Acknowledged { get; private set; }
    public (IReadOnlyList<AlertResponse>, bool, string, string) MainTable => (Alerts, CanAcknowledge, ReturnUrl, State is null ? "Firing alerts" : "Alerts");
    public (IReadOnlyList<AlertResponse>, bool, string, string) ResolvedTable => (Resolved, false, ReturnUrl, "Recently resolved alerts");
    public string ReturnUrl => State is null ? "/console/alerts" : $"/console/alerts?state={State}";

    public async Task OnGetAsync(string? state, long? acknowledged, CancellationToken ct)
    {
        Acknowledged = acknowledged;
        CanAcknowledge = await ConsoleAuth.CanAcknowledgeAsync(authorization, User);
        var answer = await queries.AlertsAsync(state ?? "firing", ct);
        if (answer.Value is not { } list)
        {
            State = state;
            Problem = answer.Problem!.Detail;
            Response.StatusCode = answer.Status;
            return;
        }
        State = state is null ? null : list.State;
        Alerts = list.Items;
        if (state is null && (await queries.AlertsAsync("resolved", ct)).Value is { } resolved)
        {
            Resolved = [.. resolved.Items.Take(RecentResolved)];
        }
    }
}
