using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Dashboards;

/// <summary>Grafana's database role can read every table and change none; the migrate step sets its password.</summary>
public sealed class ReadOnlyRoleTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Grafana_role_reads_but_cannot_write_and_gets_its_password_from_the_migrate_step()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Database:ReadOnlyPassword"] = "it's a \"quoted\" secret" });
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Ct);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM pg_authid WHERE rolname = 'pinreports_grafana' AND rolcanlogin AND rolpassword IS NOT NULL"));

        await using var connection = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using (var role = new NpgsqlCommand("SET LOCAL ROLE pinreports_grafana", connection, transaction)) await role.ExecuteNonQueryAsync(Ct);
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM reports", connection, transaction)) Assert.Equal(0L, await read.ExecuteScalarAsync(Ct));
        await using var write = new NpgsqlCommand("DELETE FROM reports", connection, transaction);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }
}
