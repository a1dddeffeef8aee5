using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ReportApi.Data;

/// <summary>Applies EF Core migrations, then makes sure the report partitions exist (the schema is not usable without them).</summary>
public sealed class DatabaseMigrator(IServiceScopeFactory scopes, PartitionMaintenance partitions, IOptions<DatabaseOptions> options, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PinReportsDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        await partitions.EnsureAheadAsync(options.Value.PartitionDaysAhead, ct);
        logger.LogInformation("Database migrated ({Applied} migrations applied)", pending.Count);
    }
}
