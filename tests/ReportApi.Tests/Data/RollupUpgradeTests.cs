using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Data;
using ReportApi.Rollups;
using ReportApi.Tests.Infrastructure;
using ReportApi.Tests.Stats;
using static ReportApi.Tests.Stats.StatsTruth;

namespace ReportApi.Tests.Data;

/// <summary>
/// Upgrade in place (issue #12): a database written by the previous release, whose ingest kept the minute, hour and
/// day grains itself, migrates with its rows intact, is answered exactly right after the migration (its buckets are
/// not counted yet, so they are read live), and exactly again once the closer has backfilled the serving counts.
/// </summary>
public sealed class RollupUpgradeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string PreviousMigration = "20261127202345_ReportAuthenticated";

    [Fact]
    public async Task Rollups_of_the_previous_release_survive_the_migration_and_are_served_exactly_before_and_after_the_backfill()
    {
        var name = "t_upgrade_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        var connectionString = postgres.DatabaseConnectionString(name, pooling: true);
        await using (var db = Context(connectionString))
        {
            await db.GetService<IMigrator>().MigrateAsync(PreviousMigration, cancellationToken: Ct);
        }

        // The previous release's data: the last 26 hours (two days), each grain written the way its ingest did.
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-1);
        await using (var db = NpgsqlDataSource.Create(connectionString))
        {
            foreach (var day in new[] { first, first.AddDays(1), first.AddDays(2) })
            {
                foreach (var table in (string[])["reports", .. RollupSchemaSql.Tables])
                {
                    await Exec(db, $"CREATE TABLE {table}_p{day:yyyyMMdd} PARTITION OF {table} FOR VALUES FROM ('{day:yyyy-MM-dd} 00:00:00+00') TO ('{day.AddDays(1):yyyy-MM-dd} 00:00:00+00')");
                }
            }
            await Exec(db, """
                INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
                SELECT 'com.example.bank', v, p, h, h, d, CASE p WHEN 'IOS' THEN 1 ELSE 0 END, now() - interval '2 days'
                FROM unnest(ARRAY['3.2.0', '3.2.1']) v, unnest(ARRAY['IOS', 'ANDROID']) p,
                     unnest(ARRAY['api.bank.example', 'cdn.bank.example']) h, unnest(ARRAY['server-rotation', 'unknown']) d
                """);
            // Every 7th minute of the window, a few devices from a pool of 40 on a few series.
            await Exec(db, $"""
                INSERT INTO failure_devices_minute (bucket, series_id, device_id)
                SELECT DISTINCT m, 1 + (k * 7 + extract(minute FROM m)::int) % 16, (k * 13 + extract(hour FROM m)::int) % 40
                FROM generate_series(date_trunc('minute', timestamptz '{now:O}' - interval '26 hours'), date_trunc('minute', timestamptz '{now:O}') - interval '1 minute', interval '7 minutes') m,
                     generate_series(1, 5) k
                """);
            await Exec(db, """
                INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices)
                SELECT bucket, series_id, count(*) * 2, count(*) % 3, count(*) FROM failure_devices_minute GROUP BY 1, 2
                """);
            foreach (var grain in new[] { "hour", "day" })
            {
                await Exec(db, $"""
                    INSERT INTO failure_devices_{grain} SELECT DISTINCT date_trunc('{grain}', bucket, 'UTC'), series_id, device_id FROM failure_devices_minute;
                    INSERT INTO failure_rollups_{grain}
                    SELECT x.b, x.series_id, x.reports, x.duplicates,
                           (SELECT count(*) FROM failure_devices_{grain} d WHERE d.bucket = x.b AND d.series_id = x.series_id)
                    FROM (SELECT date_trunc('{grain}', r.bucket, 'UTC') AS b, r.series_id, sum(r.reports) AS reports, sum(r.duplicates) AS duplicates
                          FROM failure_rollups_minute r GROUP BY 1, 2) x
                    """);
            }
        }
        var before = await RowCountsAsync(connectionString);

        await using (var db = Context(connectionString))
        {
            await db.Database.MigrateAsync(Ct);
        }
        Assert.Equal(before, await RowCountsAsync(connectionString));
        // Holding the closer's lock keeps the service's own closer out until the first answers are checked.
        await using var closerLock = new NpgsqlConnection(connectionString);
        await closerLock.OpenAsync(Ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({RollupsSql.LockKey})", closerLock))
        {
            await take.ExecuteNonQueryAsync(Ct);
        }
        await using var app = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" });
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM rollup_watermarks WHERE at IS NULL"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM failure_counts_hour"));

        var window = $"from={Iso(first)}&to={Iso(now.AddMinutes(1))}";
        async Task AssertAllAsync()
        {
            await AssertMatchesMinuteSetsAsync(app, $"{window}&interval=1d&groupBy=version");
            await AssertMatchesMinuteSetsAsync(app, $"{window}&interval=1h&groupBy=hostname,diagnosis");
            await AssertMatchesMinuteSetsAsync(app, $"{window}&interval=1h&groupBy=app,version,platform,hostname,notedHostname,diagnosis");
            await AssertMatchesMinuteSetsAsync(app, $"from={Iso(now.AddHours(-12))}&to={Iso(now)}&interval=5m&groupBy=platform");
            await AssertMatchesMinuteSetsAsync(app, $"from={Iso(now.AddHours(-3))}&to={Iso(now)}&interval=1m&groupBy=version&platform=ios");
        }
        // Right after the migration: nothing counted yet, everything read live from the old grains.
        await AssertAllAsync();

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({RollupsSql.LockKey})", closerLock))
        {
            await release.ExecuteNonQueryAsync(Ct);
        }
        var closer = app.Services.GetRequiredService<RollupCloser>();
        for (var i = 0; i < 4; i++) await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM rollup_watermarks WHERE edge = 'backfill' AND at IS NULL"));
        // Backfilled: every old bucket with data is now a served row.
        Assert.Equal(0, await app.CountAsync("""
            SELECT count(*) FROM (SELECT DISTINCT bucket FROM failure_rollups_hour) h
            WHERE h.bucket + interval '1 hour' <= (SELECT at FROM rollup_watermarks WHERE edge = 'closed')
              AND NOT EXISTS (SELECT 1 FROM failure_counts_hour c WHERE c.bucket = h.bucket AND c.dims = 0)
            """));
        Assert.True(await app.CountAsync("SELECT count(*) FROM failure_counts_minute") > 0);
        await AssertAllAsync();
    }

    private static PinReportsDbContext Context(string connectionString) => new(new DbContextOptionsBuilder<PinReportsDbContext>()
        .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
        .UseSnakeCaseNamingConvention().Options);

    private static async Task<string> RowCountsAsync(string connectionString)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        var counts = new List<string>();
        foreach (var table in (string[])["failure_series", .. RollupSchemaSql.Tables])
        {
            // The previous release's columns only: the minute rollups gained a writer column (0 for every old row).
            var row = table == "failure_rollups_minute" ? "(t.bucket, t.series_id, t.reports, t.duplicates, t.devices)" : "t";
            await using var command = db.CreateCommand($"SELECT count(*) || '/' || coalesce(sum(hashtext({row}::text)), 0) FROM {table} t");
            counts.Add($"{table}={await command.ExecuteScalarAsync(Ct)}");
        }
        return string.Join(", ", counts);
    }

    private static async Task Exec(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
