using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Data;
using ReportApi.Rollups;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Issue #12, "top failing chains" at scale: <c>chain_stats</c> (what the Grafana panel reads) answers, per bucket and
/// leaf, exactly what a count over the raw reports joined with their chains says, whatever the closer has closed,
/// whatever commits late, whatever a deletion removes, and on a database whose reports predate the chain rollups.
/// </summary>
public sealed class ChainCountsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private static readonly DateTimeOffset Start = KnownTraffic.Day1.AddHours(22);
    private static readonly string[] Apps = ["com.example.bank", "com.example.wallet"];

    /// <summary>Random traffic over three and a half hours across midnight, on four leaves (two hosts, a rotation, a proxy).</summary>
    private sealed class Traffic(TestApp app, ManualClock clock, int seed)
    {
        private readonly (LivePki Pki, string Host)[] chains =
        [
            (LivePki.Create("api.bank.example", $"chain-api-{seed}"), "api.bank.example"),
            (LivePki.Create("api.bank.example", $"chain-rotated-{seed}"), "api.bank.example"),
            (LivePki.Create("cdn.bank.example", $"chain-cdn-{seed}"), "cdn.bank.example"),
            (LivePki.Create("cdn.bank.example", $"chain-proxy-{seed}"), "cdn.bank.example"),
        ];

        public Random Random { get; } = new(seed);

        public JsonObject Report(string? device = null, int? chain = null, string? bundle = null)
        {
            var (pki, host) = chains[chain ?? Random.Next(chains.Length)];
            device ??= Random.Next(10) == 0 ? null : $"device-{Random.Next(25)}";
            bundle ??= Apps[Random.Next(Apps.Length)];
            var dateTime = $"2026-11-26T{Random.Next(24):00}:{Random.Next(60):00}:{Random.Next(60):00}Z";
            var report = Random.Next(3) == 0
                ? ReportJson.Android(host, [.. pki.Chain], [Pin], vendorId: device ?? "x", dateTime: dateTime, bundleId: bundle)
                : ReportJson.Ios(host, pki.Chain, [Pin], vendorId: device ?? "x", dateTime: dateTime, bundleId: bundle,
                    validationResult: Random.Next(2) == 0 ? 1 : 3);
            if (device is null) report.Remove("app-vendor-id");
            return report;
        }

        public async Task PostAsync(DateTimeOffset at, params JsonObject[] reports)
        {
            clock.Now = at;
            if (reports.Length == 0) reports = [.. Enumerable.Range(0, 1 + Random.Next(6)).Select(_ => Report())];
            var response = await app.Client.PostReportAsync(new JsonArray([.. reports.Select(r => (JsonNode)r)]), Ct);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }

    [Fact]
    public async Task Chain_counts_match_raw_reports_for_random_windows_across_the_closed_edge_and_late_batches()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        var traffic = new Traffic(app, clock, 21);
        var random = traffic.Random;
        var late = 0;

        async Task CheckAsync(int queries)
        {
            for (var i = 0; i < queries; i++)
            {
                var grain = random.Next(2) == 0 ? "hour" : "day";
                var from = Start.AddMinutes(random.Next(-60, (int)(clock.Now - Start).TotalMinutes + 30));
                var to = from.AddMinutes(random.Next(1, 60 * 30));
                await AssertMatchesReportsAsync(app, grain, from, to, random.Next(3) switch { 0 => null, 1 => Apps[0], _ => Apps[1] });
            }
        }

        var at = Start;
        for (var step = 0; step < 60; step++)
        {
            at = at.AddSeconds(random.Next(10, 300));
            await traffic.PostAsync(at);
            if (random.Next(4) == 0)
            {
                clock.Now = at.AddSeconds(random.Next(0, 90));
                await closer.CloseAsync(wait: true, Ct);
                var closed = await ClosedEdgeAsync(app);
                if (random.Next(2) == 0)
                {
                    // Stamped before the closed edge, committed after the closer passed it: its minute is marked late.
                    await traffic.PostAsync(closed.AddSeconds(-random.Next(1, 600)));
                    late++;
                    clock.Now = at;
                }
            }
            if (step % 12 == 11) await CheckAsync(6);
        }
        Assert.True(late > 0, "the random run had no late batch");
        Assert.True(await app.CountAsync("SELECT count(*) FROM chain_counts_hour") > 0, "the closer counted no chain hour");
        await CheckAsync(12);
        clock.Now = at.AddMinutes(2);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM rollup_dirty_minutes"));
        await CheckAsync(12);
        foreach (var grain in new[] { "hour", "day" })
        {
            foreach (var appFilter in new[] { null, Apps[0], Apps[1] })
            {
                await AssertMatchesReportsAsync(app, grain, Start.AddHours(-1), at.AddHours(1), appFilter);
            }
        }
        // The closed buckets were served rows, not recounts: a served row holds what the reports say.
        Assert.Equal(0, await app.CountAsync("""
            SELECT count(*) FROM (
                SELECT c.bucket, c.leaf_key, c.devices,
                       (SELECT count(DISTINCT r.device_hash) FROM reports r JOIN certificate_chains x ON x.fingerprint = r.validated_chain_fingerprint
                        WHERE r.received_at >= c.bucket AND r.received_at < c.bucket + interval '1 hour'
                          AND sha256(convert_to(coalesce(x.leaf_issuer, '') || E'\n' || coalesce(x.leaf_subject, '') || E'\n' || coalesce(x.leaf_spki_sha256, ''), 'UTF8')) = c.leaf_key) AS truth
                FROM chain_counts_hour c
                WHERE c.dims = 0 AND c.bucket + interval '1 hour' <= (SELECT at FROM rollup_watermarks WHERE edge = 'closed')
            ) t WHERE t.devices <> t.truth
            """));
    }

    [Fact]
    public async Task A_late_batch_in_a_closed_hour_is_counted_before_and_after_the_closer_recounts_it()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        await closer.CloseAsync(wait: true, Ct);
        var traffic = new Traffic(app, clock, 3);
        await traffic.PostAsync(Start.AddMinutes(10).AddSeconds(10), traffic.Report("device-a", 0, Apps[0]));
        await traffic.PostAsync(Start.AddMinutes(70).AddSeconds(10), traffic.Report("device-b", 0, Apps[0]));
        clock.Now = Start.AddMinutes(75);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(1, await app.CountAsync($"SELECT devices FROM chain_counts_hour WHERE bucket = '{Start:O}' AND dims = 0"));

        // Stamped 22:10:40, committed after the closer closed that hour: a new device on the same leaf, and a new leaf.
        await traffic.PostAsync(Start.AddMinutes(10).AddSeconds(40), traffic.Report("device-late", 0, Apps[1]), traffic.Report("device-late", 3, Apps[0]));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM rollup_dirty_minutes WHERE minute = '{Start.AddMinutes(10):O}'"));
        foreach (var grain in new[] { "hour", "day" })
        {
            foreach (var a in new[] { null, Apps[0], Apps[1] }) await AssertMatchesReportsAsync(app, grain, Start, Start.AddHours(2), a);
        }

        clock.Now = Start.AddMinutes(76);
        await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM rollup_dirty_minutes"));
        // The recount reached the served rows themselves.
        Assert.Equal(2, await app.CountAsync($"SELECT max(devices) FROM chain_counts_hour WHERE bucket = '{Start:O}' AND dims = 0"));
        foreach (var grain in new[] { "hour", "day" })
        {
            foreach (var a in new[] { null, Apps[0], Apps[1] }) await AssertMatchesReportsAsync(app, grain, Start, Start.AddHours(2), a);
        }
    }

    [Fact]
    public async Task Deleting_a_device_takes_it_out_of_every_chain_bucket_that_held_it()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        await closer.CloseAsync(wait: true, Ct);
        var traffic = new Traffic(app, clock, 5);
        // The subject fails on two leaves, in two apps and two hours; others share its buckets.
        await traffic.PostAsync(Start.AddMinutes(5), traffic.Report("subject", 0, Apps[0]), traffic.Report("other-1", 0, Apps[0]));
        await traffic.PostAsync(Start.AddMinutes(6), traffic.Report("subject", 2, Apps[1]));
        await traffic.PostAsync(Start.AddMinutes(65), traffic.Report("subject", 0, Apps[1]), traffic.Report("other-2", 2, Apps[0]));
        await traffic.PostAsync(Start.AddMinutes(130), traffic.Report("other-1", 0, Apps[0]));
        clock.Now = Start.AddMinutes(100);
        await closer.CloseAsync(wait: true, Ct);
        var leaf0 = "(SELECT leaf_key FROM failure_chains f JOIN chain_devices_day d ON d.chain_id = f.id GROUP BY leaf_key ORDER BY count(*) DESC LIMIT 1)";
        Assert.Equal(2, await app.CountAsync($"SELECT devices FROM chain_counts_day WHERE bucket = '{KnownTraffic.Day1:O}' AND dims = 0 AND leaf_key = {leaf0}"));
        foreach (var grain in new[] { "hour", "day" })
        {
            foreach (var a in new[] { null, Apps[0], Apps[1] }) await AssertMatchesReportsAsync(app, grain, Start, Start.AddHours(3), a);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.DeleteAsync("/v1/devices/subject", Ct)).StatusCode);

        // Served rows lost exactly the subject, in both groupings, and nothing went below zero ...
        Assert.Equal(1, await app.CountAsync($"SELECT devices FROM chain_counts_day WHERE bucket = '{KnownTraffic.Day1:O}' AND dims = 0 AND leaf_key = {leaf0}"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM chain_counts_hour WHERE devices < 0"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM chain_counts_day WHERE devices < 0"));
        // ... and every device count equals the raw reports, which no longer hold it (report counts stay).
        foreach (var grain in new[] { "hour", "day" })
        {
            foreach (var a in new[] { null, Apps[0], Apps[1] }) await AssertMatchesReportsAsync(app, grain, Start, Start.AddHours(3), a, devicesOnly: true);
        }
        // Folding later (the open hour, recounted from its set) never brings it back.
        clock.Now = Start.AddMinutes(200);
        await closer.CloseAsync(wait: true, Ct);
        foreach (var grain in new[] { "hour", "day" }) await AssertMatchesReportsAsync(app, grain, Start, Start.AddHours(4), null, devicesOnly: true);
    }

    [Fact]
    public async Task Reports_written_before_the_chain_rollups_are_counted_exactly_before_and_after_the_backfill()
    {
        // Reports of two days, the closer run over them as the previous release ran it; then the database goes back to
        // the migration before ChainCounts (the previous release's schema: the reports and rollups stay) and forward
        // again, as an upgrade in place does.
        var clock = new ManualClock(KnownTraffic.Day1.AddMinutes(30));
        var connectionString = await postgres.CreateDatabaseAsync();
        await using (var old = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            configureServices: s => s.AddSingleton<TimeProvider>(clock)))
        {
            var traffic = new Traffic(old, clock, 8);
            for (var at = KnownTraffic.Day1.AddMinutes(30); at < Start.AddHours(3); at = at.AddMinutes(traffic.Random.Next(20, 90)))
            {
                await traffic.PostAsync(at);
            }
            clock.Now = Start.AddHours(3);
            await old.Services.GetRequiredService<RollupCloser>().CloseAsync(wait: true, Ct);
        }
        var reports = await CountAsync(connectionString, "SELECT count(*) || '/' || sum(hashtext(id::text)) FROM reports");
        await using (var db = Context(connectionString))
        {
            var migrations = db.Database.GetMigrations().ToList();
            var mine = migrations.Single(m => m.EndsWith("_ChainCounts", StringComparison.Ordinal));
            var down = db.GetService<IMigrator>().GenerateScript(mine, migrations[migrations.IndexOf(mine) - 1]);
            await db.Database.ExecuteSqlRawAsync(down, Ct);
            Assert.Equal(0L, await CountAsync(connectionString, "SELECT count(*) FROM pg_class WHERE relname = 'chain_counts_hour'"));
            await db.Database.MigrateAsync(Ct);
        }
        Assert.Equal(reports, await CountAsync(connectionString, "SELECT count(*) || '/' || sum(hashtext(id::text)) FROM reports"));

        // Hold the closer's lock so the service's own closer stays out until the first answers are checked.
        await using var closerLock = new NpgsqlConnection(connectionString);
        await closerLock.OpenAsync(Ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({RollupsSql.LockKey})", closerLock))
        {
            await take.ExecuteNonQueryAsync(Ct);
        }
        clock.Now = Start.AddHours(3).AddMinutes(30);
        await using var app = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            configureServices: s => s.AddSingleton<TimeProvider>(clock));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM rollup_watermarks w WHERE w.edge = 'chain_backfill' AND w.at = (SELECT at FROM rollup_watermarks WHERE edge = 'closed')"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM chain_counts_day"));
        async Task AssertAllAsync()
        {
            foreach (var a in new[] { null, Apps[0] })
            {
                await AssertMatchesReportsAsync(app, "hour", KnownTraffic.Day1, Start.AddHours(4), a);
                await AssertMatchesReportsAsync(app, "day", KnownTraffic.Day1, Start.AddHours(4), a);
            }
        }
        // Right after the migration: nothing counted by chain yet, every bucket read from the raw reports.
        await AssertAllAsync();

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({RollupsSql.LockKey})", closerLock))
        {
            await release.ExecuteNonQueryAsync(Ct);
        }
        var closer = app.Services.GetRequiredService<RollupCloser>();
        for (var i = 0; i < 5; i++) await closer.CloseAsync(wait: true, Ct);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM rollup_watermarks WHERE edge = 'chain_backfill' AND at IS NULL"));
        // Backfilled: every closed hour with reports is a served row, and the answers are still exact.
        Assert.Equal(0, await app.CountAsync("""
            SELECT count(*) FROM (SELECT DISTINCT date_trunc('hour', received_at, 'UTC') AS h FROM reports) r
            WHERE r.h + interval '1 hour' <= (SELECT at FROM rollup_watermarks WHERE edge = 'closed')
              AND NOT EXISTS (SELECT 1 FROM chain_counts_hour c WHERE c.bucket = r.h AND c.dims = 0)
            """));
        await AssertAllAsync();
    }

    [Theory]
    [InlineData("'minute'")]
    [InlineData("'week'")]
    [InlineData("NULL")]
    public async Task An_unknown_grain_is_an_error_naming_it_and_an_empty_range_is_empty(string grain)
    {
        await using var app = await TestApp.StartAsync(postgres);
        await using var command = app.Db.CreateCommand($"SELECT count(*) FROM chain_stats({grain}, now() - interval '1 day', now())");
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync(Ct));
        Assert.Equal("22023", error.SqlState);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM chain_stats('hour', now(), now() - interval '1 day')"));
    }

    /// <summary>chain_stats against the raw reports, per bucket and leaf: reports and exact distinct devices.</summary>
    private static async Task AssertMatchesReportsAsync(TestApp app, string grain, DateTimeOffset from, DateTimeOffset to, string? appFilter,
        bool devicesOnly = false)
    {
        var step = grain == "hour" ? "1 hour" : "1 day";
        var api = await RowsAsync(app, """
            SELECT bucket, leaf_issuer, leaf_subject, leaf_spki_sha256, reports, devices FROM chain_stats($1, $2, $3, $4)
            """, grain, from, to, appFilter, devicesOnly);
        var truth = await RowsAsync(app, $"""
            SELECT date_bin(interval '{step}', r.received_at, timestamptz '2000-01-01 00:00:00+00'),
                   coalesce(c.leaf_issuer, ''), coalesce(c.leaf_subject, ''), coalesce(c.leaf_spki_sha256, ''),
                   count(*), count(DISTINCT r.device_hash)
            FROM reports r JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
            WHERE r.received_at >= date_bin(interval '{step}', $2, timestamptz '2000-01-01 00:00:00+00')
              AND r.received_at < date_bin(interval '{step}', $3 - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00') + interval '{step}'
              AND ($4::text IS NULL OR coalesce(r.app_bundle_id, '') = $4) AND $1 <> ''
            GROUP BY 1, 2, 3, 4
            """, grain, from, to, appFilter, devicesOnly);
        Assert.True(truth.SequenceEqual(api), $"""
            chain_stats('{grain}', {from:O}, {to:O}, {appFilter ?? "NULL"}) differs from the raw reports:
            truth: {string.Join("; ", truth)}
            api:   {string.Join("; ", api)}
            """);
    }

    private static async Task<List<string>> RowsAsync(TestApp app, string sql, string grain, DateTimeOffset from, DateTimeOffset to, string? appFilter, bool devicesOnly)
    {
        await using var command = app.Db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = grain, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)appFilter ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            var devices = reader.GetInt64(5);
            if (devicesOnly && devices == 0) continue;
            rows.Add($"{reader.GetFieldValue<DateTimeOffset>(0).UtcDateTime:O} {reader.GetString(1)}|{reader.GetString(2)}|{reader.GetString(3)} " +
                (devicesOnly ? $"d={devices}" : $"r={reader.GetInt64(4)} d={devices}"));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static async Task<DateTimeOffset> ClosedEdgeAsync(TestApp app)
    {
        await using var command = app.Db.CreateCommand("SELECT at FROM rollup_watermarks WHERE edge = 'closed'");
        return new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await command.ExecuteScalarAsync(Ct))!, DateTimeKind.Utc));
    }

    private static async Task<object?> CountAsync(string connectionString, string sql)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct);
    }

    private static PinReportsDbContext Context(string connectionString) => new(new DbContextOptionsBuilder<PinReportsDbContext>()
        .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
        .UseSnakeCaseNamingConvention().Options);
}
