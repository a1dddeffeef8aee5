using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Data;

/// <summary>
/// Issue #22's migration (ForgedReportDefences) on a database of the previous release: its alerts, series and rollups
/// survive, old alerts read with no network count, and the new minute network sets get partitions for existing days.
/// </summary>
public sealed class UpgradeToNetworkEvidenceTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Alerts_series_and_rollups_of_the_previous_release_survive_and_ingest_writes_network_sets_at_once()
    {
        var name = "upgrade_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        var connectionString = postgres.DatabaseConnectionString(name, pooling: false);
        await using (var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention().Options))
        {
            await db.GetService<IMigrator>().MigrateAsync("ReportAuthenticated", Ct);
        }

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var now = DateTimeOffset.UtcNow;
        await using (var old = NpgsqlDataSource.Create(connectionString))
        {
            // The previous release's partitions (no network table yet), a series with rollups, and a firing alert.
            foreach (var table in new[] { "reports", "failure_rollups_minute", "failure_rollups_hour", "failure_rollups_day",
                "failure_devices_minute", "failure_devices_hour", "failure_devices_day" })
            {
                await using var part = old.CreateCommand($"""
                    CREATE TABLE {table}_p{today:yyyyMMdd} PARTITION OF {table}
                    FOR VALUES FROM ('{today:yyyy-MM-dd} 00:00:00+00') TO ('{today.AddDays(1):yyyy-MM-dd} 00:00:00+00')
                    """);
                await part.ExecuteNonQueryAsync(Ct);
            }
            await using var seed = old.CreateCommand($"""
                INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
                VALUES ('com.example.bank', '3.1.0', 'IOS', 'api.bank.example', 'api.bank.example', 'server-rotation', 1, now());
                INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices) SELECT date_trunc('minute', now()), id, 12, 1, 9 FROM failure_series;
                INSERT INTO failure_devices_minute (bucket, series_id, device_id) SELECT date_trunc('minute', now()), id, 42 FROM failure_series;
                INSERT INTO alerts (series_key, level, app, version, noted_hostname, status, opened_at, fired_at, last_evaluated_at,
                    window_devices, peak_devices, baseline_median, state, headline, summary, action)
                VALUES ('host:api.bank.example', 'host', NULL, NULL, 'api.bank.example', 'firing', now(), now(), now(), 45, 45, 5,
                    '{JsonSerializer.Serialize(new { series = "host:api.bank.example", status = "firing", openedAt = now, lastEvaluatedAt = now,
                        peakDevices = 45, lastWindowDevices = 45, baselineMedian = 5.0, consecutiveSpikes = 2, consecutiveClears = 0,
                        firedAt = now, lastNotifiedAt = now })}',
                    'server-rotation on api.bank.example: 45 devices fail since 12:00 UTC', 'old summary', 'old action');
                """);
            await seed.ExecuteNonQueryAsync(Ct);
        }

        // The new release migrates at start-up (Database:MigrateOnStartup) and serves the old data.
        await using var app = TestApp.Start(postgres.DatabaseConnectionString(name, pooling: true),
            new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "true" });
        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Ct);

        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname = 'failure_networks_minute_p{today:yyyyMMdd}'"));
        Assert.Equal(12, await app.CountAsync("SELECT sum(reports) FROM failure_rollups_minute"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM failure_devices_minute"));
        using (var alerts = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=firing", Ct)))
        {
            var alert = Assert.Single(alerts.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal("host:api.bank.example", alert.GetProperty("seriesKey").GetString());
            Assert.Equal(45, alert.GetProperty("windowDevices").GetInt32());
            Assert.Equal(JsonValueKind.Null, alert.GetProperty("windowNetworks").ValueKind);
        }

        // The old series keeps its id; a new report of it lands in the same series and in the network set of today.
        var pki = LivePki.Create("api.bank.example", "upgrade");
        var report = ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "after-upgrade");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM failure_networks_minute"));
        Assert.Equal(1, await app.CountAsync("SELECT count(DISTINCT series_id) FROM failure_networks_minute n JOIN failure_series s ON s.id = n.series_id WHERE s.app = 'com.example.bank'"));
    }
}
