using Microsoft.EntityFrameworkCore;
using Npgsql;
using ReportApi.Data;

[assembly: AssemblyFixture(typeof(ReportApi.Tests.Infrastructure.PostgresFixture))]

namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run, with a migrated template database. Every test gets its own
/// database cloned from the template (a file copy, ~100 ms), so tests never see each other's rows.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string TemplateName = "pinreports_template";
    private readonly SemaphoreSlim _createLock = new(1, 1);

    public PostgresServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await PostgresServer.AcquireAsync();
        await CreateTemplateAsync(Server.AdminConnectionString, TemplateName);
    }

    /// <summary>Creates (or re-creates) database <paramref name="name"/> on a server, migrated, with partitions around today.</summary>
    public static async Task CreateTemplateAsync(string adminConnectionString, string name)
    {
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync();
            await Execute(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await Execute(admin, $"CREATE DATABASE {name}");
        }
        var templateConnection = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name, Pooling = false }.ConnectionString;
        await using (var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
            .UseNpgsql(templateConnection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention().Options))
        {
            await db.Database.MigrateAsync();
        }
        await using (var template = new NpgsqlConnection(templateConnection))
        {
            await template.OpenAsync();
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            for (var day = today.AddDays(-3); day <= today.AddDays(3); day = day.AddDays(1))
            {
                await Execute(template, PartitionSql.CreateDay(day));
            }
        }
    }

    /// <summary>A fresh, migrated database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await _createLock.WaitAsync();
        try
        {
            await using var admin = new NpgsqlConnection(Server.AdminConnectionString);
            await admin.OpenAsync();
            await Execute(admin, $"CREATE DATABASE {name} TEMPLATE {TemplateName}");
        }
        finally
        {
            _createLock.Release();
        }
        return DatabaseConnectionString(name, pooling: true);
    }

    public string DatabaseConnectionString(string database, bool pooling) =>
        new NpgsqlConnectionStringBuilder(Server.AdminConnectionString) { Database = database, Pooling = pooling }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Server is not null) await Server.DisposeAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
