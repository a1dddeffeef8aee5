using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using ReportApi.Alerting.Backtesting;
using ReportApi.Auth;
using ReportApi.Domain.Alerting;
using ReportApi.Hosting;

namespace ReportApi.Alerting;

/// <summary><c>GET /v1/alerts</c> (reader) and <c>POST /v1/alerts/{id}/acknowledge</c> (responder or admin).</summary>
internal static class AlertsEndpoints
{
    public const int MaxAlerts = 500;

    /// <summary>
    /// Who may acknowledge: the one place that says so. The console asks <c>IAuthorizationService</c> about this same
    /// policy before it shows the button or acknowledges.
    /// </summary>
    public const string AcknowledgePolicy = Policies.Respond;

    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/v1/alerts").WithTags("Alerts");
        alerts.MapGet("", ListAsync).RequireAuthorization(Policies.Read)
            .WithName("GetAlerts")
            .WithSummary("Alerts, newest first")
            .WithDescription($"state: firing (default; includes acknowledged), suspicious, resolved or all. At most {MaxAlerts}. " +
                "A pending spike that never fired is not listed. A suspicious alert spiked from fewer independent source networks " +
                "than Alerting:MinNetworksToPage asks: it paged nobody; reportsUrl lists its reports.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        alerts.MapPost("/{id}/acknowledge", AcknowledgeAsync).RequireAuthorization(AcknowledgePolicy)
            .WithName("AcknowledgeAlert")
            .WithSummary("Acknowledge a firing alert: no more repeat notifications; it still resolves on its own")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        alerts.MapBacktest();
        return app;
    }

    internal static async Task<Results<Ok<AlertList>, ProblemHttpResult>> ListAsync(string? state, AlertingStore alerts, CancellationToken ct)
    {
        state ??= "firing";
        if (state is not ("firing" or "suspicious" or "resolved" or "all"))
        {
            return Problems.BadRequest("The alerts query is invalid", "state", $"state must be firing, suspicious, resolved or all (was '{state}').");
        }

        var items = await alerts.ListAsync(state, MaxAlerts, ct);
        return TypedResults.Ok(new AlertList(state, [.. items.Select(AlertResponse.From)]));
    }

    /// <summary>The store locks the row, so an acknowledgement and an evaluation in progress never overwrite each other.</summary>
    internal static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> AcknowledgeAsync(
        string id, ClaimsPrincipal user, AlertingStore alerts, TimeProvider time, CancellationToken ct)
    {
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var alertId))
        {
            return Problems.BadRequest("The alert id is invalid", "id", $"'{id}' is not an alert id.");
        }

        var by = user.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        if (await alerts.AcknowledgeAsync(alertId, by, time.GetUtcNow(), ct) is not { } result)
        {
            return Problem(StatusCodes.Status404NotFound, "No such alert", $"There is no alert {alertId}.");
        }
        var (outcome, state, alert) = result;
        if (outcome == AcknowledgeOutcome.NotFiring)
        {
            return Problem(StatusCodes.Status409Conflict, "The alert is not firing",
                $"Alert {alertId} is {AlertingStore.Status(state.Status)}: only a firing alert can be acknowledged.");
        }
        // Acknowledging twice is harmless: the first acknowledgement (time and who) is kept.
        return TypedResults.Ok(AlertResponse.From(alert!));
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
