using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Alerting;
using ReportApi.Data;
using ReportApi.Pins;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Data;

/// <summary>
/// The database roles of issue 20.3, against the real PostgreSQL: the service runs whole as <c>pinreports_app</c>
/// (ingest, queries, deletion, partition maintenance, the evaluator's and the pin inventory's advisory locks) and can
/// change no schema; Grafana's role gets a statement timeout, no temp tables and no advisory locks.
/// </summary>
public sealed class DatabaseRolesTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task The_service_works_as_pinreports_app_and_changes_the_schema_only_through_the_partition_functions()
    {
        // The database was migrated by the owner (the fixture); the service's every session takes the service role.
        var owner = await postgres.CreateDatabaseAsync();
        var asService = new NpgsqlConnectionStringBuilder(owner) { Options = "-c role=pinreports_app" }.ConnectionString;
        // Retention off: the test drops the old partitions itself, not the hourly job racing it.
        await using var app = TestApp.Start(asService, new Dictionary<string, string?> { ["Retention:Days"] = "0" });
        await using (var who = app.Db.CreateCommand("SELECT current_user"))
        {
            Assert.Equal("pinreports_app", await who.ExecuteScalarAsync(Ct));
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/readyz", Ct)).StatusCode);
        var pki = LivePki.Create("api.bank.example", "roles");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "role-device"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/stats/failures", Ct)).StatusCode);
        await app.Services.GetRequiredService<AlertEvaluator>().EvaluateAsync(DateTimeOffset.UtcNow.AddMinutes(-1), Ct);
        await app.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, Ct);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.DeleteAsync("/v1/devices/role-device", Ct)).StatusCode);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports"));

        // Partition maintenance through the owner's functions: create ahead, drop by retention.
        var partitions = app.Services.GetRequiredService<PartitionMaintenance>();
        var old = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-400);
        await partitions.EnsureAsync(old, old.AddDays(1), Ct);
        Assert.Equal(PartitionSql.DailyTables.Length * 2, await app.CountAsync(
            $"SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_p{old:yyyyMMdd}' OR relname LIKE '%\\_p{old.AddDays(1):yyyyMMdd}'"));
        var dropped = await partitions.DropBeforeAsync(old.AddDays(1), Ct);
        Assert.Equal(PartitionSql.DailyTables.Length, dropped.Count);
        Assert.Equal(PartitionSql.DailyTables.Length, await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_p{old.AddDays(1):yyyyMMdd}'"));

        // Nothing else: no DDL, no TRUNCATE, no rewriting migration history, no dropping a table through the function.
        foreach (var sql in new[]
        {
            "CREATE TABLE intruder (a int)", "DROP TABLE alerts", "ALTER TABLE reports ADD COLUMN x int", "TRUNCATE reports",
            "DELETE FROM __ef_migrations_history", "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        })
        {
            await using var command = app.Db.CreateCommand(sql);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.True(denied.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {denied.SqlState} {denied.MessageText}");
        }
        foreach (var name in new[] { "alerts", "reports", "reports_p2026010; DROP TABLE alerts", "pg_class" })
        {
            await using var command = app.Db.CreateCommand("SELECT pinreports_drop_day_partition($1)");
            command.Parameters.AddWithValue(name);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InvalidParameterValue, refused.SqlState);
        }
        await using (var gone = app.Db.CreateCommand("SELECT pinreports_drop_day_partition('reports_p19700101')"))
        {
            await gone.ExecuteNonQueryAsync(Ct); // already gone: nothing to do, like DROP TABLE IF EXISTS
        }
        await using (var notPartitioned = app.Db.CreateCommand("SELECT pinreports_create_day_partition('alerts', current_date)"))
        {
            Assert.Equal(PostgresErrorCodes.InvalidParameterValue, (await Assert.ThrowsAsync<PostgresException>(() => notPartitioned.ExecuteNonQueryAsync(Ct))).SqlState);
        }
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM pg_class WHERE relname = 'alerts'"));
    }

    [Fact]
    public async Task The_migrate_step_gives_the_service_role_its_password_and_the_service_logs_in_with_it()
    {
        var password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "'\"";
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Database:ServicePassword"] = password });
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Ct);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM pg_authid WHERE rolname = 'pinreports_app' AND rolcanlogin AND rolpassword IS NOT NULL AND NOT rolsuper"));

        var login = new NpgsqlConnectionStringBuilder(app.ConnectionString) { Username = "pinreports_app", Password = password, Pooling = false };
        await using var connection = new NpgsqlConnection(login.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var who = new NpgsqlCommand("SELECT session_user || ' ' || count(*) FROM alerts", connection);
        Assert.Equal("pinreports_app 0", await who.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Grafana_role_has_a_statement_timeout_and_no_temp_tables_or_advisory_locks()
    {
        // A database migrated from empty: a database's own ACL (TEMPORARY) is not copied from the fixture's template.
        var name = "t_roles_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        var connectionString = postgres.DatabaseConnectionString(name, pooling: false);
        await using (var migrate = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "true" }))
        {
            Assert.Equal(HttpStatusCode.OK, (await migrate.Client.GetAsync("/readyz", Ct)).StatusCode);
        }
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using (var settings = db.CreateCommand("SELECT array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname = 'pinreports_grafana'"))
        {
            Assert.Contains("statement_timeout=30s", (string)(await settings.ExecuteScalarAsync(Ct))!, StringComparison.Ordinal);
        }

        foreach (var sql in new[] { "CREATE TEMP TABLE scratch (a int)", "SELECT pg_try_advisory_lock(1)", "SELECT pg_advisory_lock(1)",
            $"SELECT pg_try_advisory_xact_lock({AlertingSql.EvaluationLockKey})", "SELECT pg_advisory_lock_shared(1)" })
        {
            await using var connection = await db.OpenConnectionAsync(Ct);
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await using (var role = new NpgsqlCommand("SET LOCAL ROLE pinreports_grafana", connection, transaction)) await role.ExecuteNonQueryAsync(Ct);
            await using (var read = new NpgsqlCommand("SELECT count(*) FROM alerts", connection, transaction)) Assert.Equal(0L, await read.ExecuteScalarAsync(Ct));
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.True(denied.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {denied.SqlState} {denied.MessageText}");
        }
    }
}
