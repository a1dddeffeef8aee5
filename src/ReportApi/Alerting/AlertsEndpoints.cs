using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
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

    internal static async Task<Results<Ok<AlertList>, ProblemHttpResult>> ListAsync(
        string? state, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        state ??= "firing";
        if (state is not ("firing" or "suspicious" or "resolved" or "all"))
        {
            return Problems.BadRequest("The alerts query is invalid", "state", $"state must be firing, suspicious, resolved or all (was '{state}').");
        }

        await using var command = dataSource.CreateCommand(AlertingSql.ListAlerts);
        command.Parameters.Add(new NpgsqlParameter { Value = state, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = MaxAlerts, NpgsqlDbType = NpgsqlDbType.Integer });
        var items = new List<AlertResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) items.Add(AlertResponse.From(AlertRow.Read(reader)));
        return TypedResults.Ok(new AlertList(state, items));
    }

    /// <summary>
    /// Locks the row, so an evaluation in progress finishes first and the next one reads the acknowledged state: neither
    /// overwrites the other.
    /// </summary>
    internal static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> AcknowledgeAsync(
        string id, ClaimsPrincipal user, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken ct)
    {
        if (!long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var alertId))
        {
            return Problems.BadRequest("The alert id is invalid", "id", $"'{id}' is not an alert id.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        AlertState state;
        await using (var select = new NpgsqlCommand(AlertingSql.LockAlert, connection, transaction))
        {
            select.Parameters.Add(Id(alertId));
            if (await select.ExecuteScalarAsync(ct) is not string json)
            {
                return Problem(StatusCodes.Status404NotFound, "No such alert", $"There is no alert {alertId}.");
            }
            state = AlertJson.State(json);
        }

        var (outcome, acknowledged) = AlertAcknowledgement.Acknowledge(state, time.GetUtcNow());
        if (outcome == AcknowledgeOutcome.NotFiring)
        {
            return Problem(StatusCodes.Status409Conflict, "The alert is not firing",
                $"Alert {alertId} is {AlertEvaluator.Status(state.Status)}: only a firing alert can be acknowledged.");
        }

        NpgsqlCommand command;
        if (outcome == AcknowledgeOutcome.Acknowledged)
        {
            command = new NpgsqlCommand(AlertingSql.Acknowledge, connection, transaction);
            command.Parameters.Add(Id(alertId));
            command.Parameters.Add(new NpgsqlParameter { Value = acknowledged.AcknowledgedAt!.Value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = user.FindFirstValue(ClaimTypes.Name) ?? "unknown", NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = AlertJson.Serialize(acknowledged), NpgsqlDbType = NpgsqlDbType.Text });
        }
        else
        {
            // Acknowledging twice is harmless: the first acknowledgement (time and who) is kept.
            command = new NpgsqlCommand(AlertingSql.GetAlert, connection, transaction);
            command.Parameters.Add(Id(alertId));
        }

        AlertRow row;
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            row = AlertRow.Read(reader);
        }
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(AlertResponse.From(row));
    }

    private static NpgsqlParameter Id(long id) => new() { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}

/// <summary>The <c>GET /v1/alerts</c> body.</summary>
public sealed record AlertList(string State, IReadOnlyList<AlertResponse> Items);

/// <summary>One alert as the API shows it: the series, the window against its baseline, the evaluations and the context.</summary>
public sealed record AlertResponse(
    long Id,
    string SeriesKey,
    string Level,
    string? App,
    string? Version,
    string? NotedHostname,
    string Status,
    string Headline,
    string Summary,
    string Action,
    int WindowDevices,
    int? WindowNetworks,
    int PeakDevices,
    double BaselineMedian,
    int? ActiveDevices,
    double? Share,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset FirstEvaluation,
    DateTimeOffset LastEvaluation,
    IReadOnlyDictionary<string, int> DiagnosisMix,
    ChainInfo? TopChain,
    IReadOnlyList<VersionInfo> TopVersions,
    string ReportsUrl)
{
    public static AlertResponse From(AlertRow a) => new(
        a.Id, a.SeriesKey, a.Level, a.App, a.Version, a.NotedHostname, a.Status, a.Headline, a.Summary, a.Action, a.WindowDevices,
        a.WindowNetworks, a.PeakDevices, a.BaselineMedian, a.ActiveDevices, a.Share, a.OpenedAt, a.FiredAt, a.AcknowledgedAt, a.AcknowledgedBy,
        a.ResolvedAt, a.OpenedAt, a.LastEvaluatedAt, a.DiagnosisMix, a.TopChain, a.TopVersions, a.ReportsPath);
}
