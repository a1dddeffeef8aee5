using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ReportApi.Alerting;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>Firing (default), resolved or all alerts, newest first: <c>GET /v1/alerts</c> as a table.</summary>
internal sealed class AlertsModel(ConsoleQueries queries, IAuthorizationService authorization) : PageModel
{
    public string State { get; private set; } = "firing";
    public IReadOnlyList<AlertResponse> Alerts { get; private set; } = [];
    public string? Problem { get; private set; }
    public bool CanAcknowledge { get; private set; }
    public long? Acknowledged { get; private set; }
    public string ReturnUrl => $"/console/alerts?state={State}";

    public async Task OnGetAsync(string? state, long? acknowledged, CancellationToken ct)
    {
        var answer = await queries.AlertsAsync(state, ct);
        if (answer.Value is { } list)
        {
            State = list.State;
            Alerts = list.Items;
        }
        else
        {
            Problem = answer.Problem!.Detail;
            Response.StatusCode = answer.Status;
        }
        Acknowledged = acknowledged;
        CanAcknowledge = await ConsoleAuth.CanAcknowledgeAsync(authorization, User);
    }
}
