using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace ReportApi.Data;

/// <summary>Applies EF Core migrations, then makes sure the report partitions exist (the schema is not usable without them).</summary>
public sealed class DatabaseMigrator(IServiceScopeFactory scopes, PartitionMaintenance partitions, IOptions<DatabaseOptions> options, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PinReportsDbContext>();
        // On an empty database EF queries its history table before creating it and logs that as a failed command on
        // every first start, which reads like a fault to a newcomer: create the table first.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        await partitions.EnsureAheadAsync(options.Value.PartitionDaysAhead, ct);
        await SetPasswordAsync(db, DatabaseRolesSql.GrafanaRole, options.Value.ReadOnlyPassword, ct);
        await SetPasswordAsync(db, DatabaseRolesSql.ServiceRole, options.Value.ServicePassword, ct);
        logger.LogInformation("Database migrated ({Applied} migrations applied)", pending.Count);
    }

    /// <summary>
    /// ALTER ROLE takes no bind parameters: the password travels as a parameter into a transaction-local setting and is
    /// quoted by format(%L) (the role name by %I), so no value can break out of the statement.
    /// </summary>
    private async Task SetPasswordAsync(PinReportsDbContext db, string role, string? password, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(password)) return;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlRawAsync(
            "SELECT set_config('pinreports.role', {0}, true), set_config('pinreports.role_password', {1}, true)", [role, password], ct);
        await db.Database.ExecuteSqlRawAsync(
            "DO $$ BEGIN EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', current_setting('pinreports.role'), current_setting('pinreports.role_password')); END $$;", ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Password of the database role {Role} set", role);
    }
}
