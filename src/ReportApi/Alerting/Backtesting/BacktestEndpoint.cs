using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReportApi.Auth;
using ReportApi.Hosting;

namespace ReportApi.Alerting.Backtesting;

/// <summary><c>POST /v1/alerts/backtest</c> (admin): what the detector would have raised over a past window.</summary>
internal static class BacktestEndpoint
{
    public static RouteGroupBuilder MapBacktest(this RouteGroupBuilder alerts)
    {
        alerts.MapPost("/backtest", RunAsync).RequireAuthorization(Policies.Admin)
            .WithName("BacktestAlerts")
            .WithSummary("Run the detector over stored rollups of a past window; writes nothing, sends nothing")
            .WithDescription("Body: {\"from\": ISO time, \"to\": ISO time, \"set\": {\"Alerting:Key\": \"value\"}, \"compare\": {\"Alerting:Key\": \"value\"}, \"engine\": \"memory\"|\"sql\"}. " +
                "Evaluates every minute in [from, to) with the service's thresholds and the 'set' overrides; with 'compare', runs again with " +
                "those overrides on top and lists the alerts that appear, disappear or move. The window is at most Alerting:Backtest:MaxWindow. " +
                "'engine' chooses how windows are counted: in memory (default) or with the evaluator's SQL; both give the same alerts.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return alerts;
    }

    internal static async Task<Results<Ok<BacktestResponse>, ProblemHttpResult>> RunAsync(BacktestRequest? request, IConfiguration configuration,
        IOptions<BacktestOptions> limits, BacktestRunner runner, TimeProvider time, CancellationToken ct)
    {
        if (request is null) return Invalid(new BacktestProblem("body", "a JSON body with from and to is required"));
        var (plan, problem) = BacktestPlan.Validate(request, configuration, limits.Value, time.GetUtcNow());
        if (problem is not null) return Invalid(problem);
        var response = await runner.TryRunAsync(plan!, ct);
        return response is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A backtest is already running",
                detail: "One backtest runs at a time on each replica; try again when it finishes.")
            : TypedResults.Ok(response);
    }

    private static ProblemHttpResult Invalid(BacktestProblem problem) =>
        Problems.BadRequest("The backtest request is invalid", [new ParameterError(problem.Parameter, problem.Detail)],
            detail: $"{problem.Parameter}: {problem.Detail}", extensions: [new("parameter", problem.Parameter)]);
}
