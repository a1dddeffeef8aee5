using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using ReportApi.Data;

namespace ReportApi.Hosting;

/// <summary><c>/healthz</c> (process alive) and <c>/readyz</c> (database reachable and migrated), for load balancers and orchestrators.</summary>
internal static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Operations");
        group.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("alive", null)));
        group.MapGet("/readyz", ReadyAsync);
        return app;
    }

    /// <summary>
    /// Public, so it says what state the service is in and nothing more: the exception (host names, user names, server
    /// messages) goes to the log, not to whoever asks.
    /// </summary>
    private static async Task<Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>>> ReadyAsync(
        PinReportsDbContext db, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            return pending.Count == 0
                ? TypedResults.Ok(new HealthStatus("ready", null))
                : TypedResults.Json(new HealthStatus("not-migrated", $"{pending.Count} pending migration(s): run the migrate command"), statusCode: 503);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            loggers.CreateLogger("ReportApi.Hosting.Readiness").LogWarning(e, "Readiness check: the database is unreachable");
            return TypedResults.Json(new HealthStatus("database-unreachable", "The database does not answer; see the service log."), statusCode: 503);
        }
    }

    internal sealed record HealthStatus(string Status, string? Detail);
}
