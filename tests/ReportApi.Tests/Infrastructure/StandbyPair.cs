using Npgsql;

namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// Issue #16: a primary and a streaming hot standby made from it with <c>pg_basebackup -R</c>, both throwaway clusters of
/// the machine's PostgreSQL, shared by one test class. The primary commits with <c>synchronous_commit = remote_apply</c>
/// to the standby, so a write acknowledged by the primary is visible on the standby when the request returns: tests
/// written for one database (post, then read) run unchanged with their reads routed to the standby.
/// </summary>
public sealed class StandbyPair : IAsyncLifetime
{
    private const string TemplateName = "pinreports_template";

    public LocalCluster? Primary { get; private set; }

    public LocalCluster? Standby { get; private set; }

    /// <summary>Why there is no pair here (no initdb/pg_ctl/pg_basebackup), or null.</summary>
    public string? Unavailable { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (LocalCluster.FindBinDirectory() is not { } bin || !File.Exists(Path.Combine(bin, "pg_basebackup")))
        {
            Unavailable = "A standby needs the machine's initdb, pg_ctl and pg_basebackup (Debian: apt-get install postgresql).";
            return;
        }
        Primary = await LocalCluster.CreateAsync(bin);
        await PostgresFixture.CreateTemplateAsync(Primary.AdminConnectionString, TemplateName);
        Standby = await Primary.CreateStandbyAsync();
        await using var admin = new NpgsqlConnection(Primary.AdminConnectionString);
        await admin.OpenAsync();
        foreach (var sql in new[]
        {
            "ALTER SYSTEM SET synchronous_standby_names = '*'",
            "ALTER SYSTEM SET synchronous_commit = 'remote_apply'",
            "SELECT pg_reload_conf()",
        })
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
        await WaitAsync(admin, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'");
    }

    /// <summary>A fresh, migrated database on the primary (and so on the standby); connection strings to each.</summary>
    public async Task<(string Primary, string Standby)> CreateDatabaseAsync()
    {
        Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(Primary!.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {TemplateName}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var standby = new NpgsqlConnectionStringBuilder(Standby!.AdminConnectionString) { Database = name }.ConnectionString;
        // CREATE DATABASE is WAL-logged; remote_apply made it visible on the standby before it returned, but be sure.
        await using (var connection = new NpgsqlConnection(standby))
        {
            await connection.OpenAsync();
        }
        return (new NpgsqlConnectionStringBuilder(Primary.AdminConnectionString) { Database = name }.ConnectionString, standby);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Standby is not null) await Standby.DisposeAsync();
        if (Primary is not null) await Primary.DisposeAsync();
    }

    internal static async Task WaitAsync(NpgsqlConnection connection, string countSql, int atLeast = 1, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using var command = new NpgsqlCommand(countSql, connection);
            if (Convert.ToInt64(await command.ExecuteScalarAsync()) >= atLeast) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not true within {seconds} s: {countSql}");
            await Task.Delay(200);
        }
    }
}
