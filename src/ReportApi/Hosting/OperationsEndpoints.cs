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

    private static async Task<Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>>> ReadyAsync(PinReportsDbContext db, CancellationToken ct)
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
            return TypedResults.Json(new HealthStatus("database-unreachable", e.Message), statusCode: 503);
        }
    }

    internal sealed record HealthStatus(string Status, string? Detail);
}
