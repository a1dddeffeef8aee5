using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.ScaleOut;

/// <summary>
/// Issue #16: with <c>ConnectionStrings:PostgresReadOnly</c> set, stats, report queries and CSV read from the standby,
/// while ingest and admin writes go to the primary; the lag is exported as <c>pinreports_replica_lag_seconds</c>; a
/// standby that is down answers 503 + Retry-After on the read route and leaves ingest alone. Replay on the standby is
/// paused to tell the two routes apart: what the primary acknowledged is then missing from the standby's answers.
/// Owns a primary and a standby (plain asynchronous streaming replication, the production default).
/// </summary>
public sealed class ReadReplicaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Queries_stats_and_csv_read_the_standby_writes_go_to_the_primary_and_the_lag_is_a_metric()
    {
        var bin = LocalCluster.FindBinDirectory();
        Assert.SkipWhen(bin is null || !File.Exists(Path.Combine(bin, "pg_basebackup")), "Needs the machine's initdb, pg_ctl and pg_basebackup.");
        await using var primary = await LocalCluster.CreateAsync(bin!);
        await PostgresFixture.CreateTemplateAsync(primary.AdminConnectionString, "pinreports");
        await using var standby = await primary.CreateStandbyAsync();
        var primaryDb = new NpgsqlConnectionStringBuilder(primary.AdminConnectionString) { Database = "pinreports" }.ConnectionString;
        var standbyDb = new NpgsqlConnectionStringBuilder(standby.AdminConnectionString) { Database = "pinreports", Timeout = 3 }.ConnectionString;
        await using var app = TestApp.Start(primaryDb, new Dictionary<string, string?>
        {
            ["ConnectionStrings:PostgresReadOnly"] = standbyDb,
            ["Database:ReplicaLagInterval"] = "00:00:01",
            ["Ingest:RetryAfterSeconds"] = "4",
        });
        await using var onStandby = NpgsqlDataSource.Create(standbyDb);
        var pki = LivePki.Create("api.bank.example", "replica");

        for (var i = 0; i < 5; i++)
        {
            var posted = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"replica-{i}", appVersion: "3.1.0"), Ct);
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        }
        await WaitForAsync(() => CountAsync(onStandby, "SELECT count(*) FROM reports"), 5);
        Assert.Equal(5, (await ListAsync(app)).Count);
        Assert.Equal(5, await StatsTotalAsync(app));

        // Replay paused: the primary keeps acknowledging, the read route does not see it.
        await PauseReplayAsync(onStandby);
        Assert.Equal(HttpStatusCode.NoContent,
            (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "replica-paused", appVersion: "3.1.0"), Ct)).StatusCode);
        await using (var onPrimary = NpgsqlDataSource.Create(primaryDb))
        {
            Assert.Equal(6, await CountAsync(onPrimary, "SELECT count(*) FROM reports"));
        }
        var list = await ListAsync(app);
        Assert.Equal(5, list.Count);
        Assert.Equal(5, await StatsTotalAsync(app));
        var csv = await app.Reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/reports") { Headers = { { "Accept", "text/csv" } } }, Ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal(1 + 5, (await csv.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync($"/v1/reports/{list[0]}", Ct)).StatusCode);

        // What must read its own writes stays on the primary: an admin write answers while the standby lags.
        var activity = new[] { new { app = "com.example.bank", version = "3.1.0", platform = "IOS", day = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), activeDevices = 100 } };
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsJsonAsync("/v1/activity", activity, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/alerts", Ct)).StatusCode);

        // The lag grows while replay is paused, and shows in /metrics.
        await WaitForAsync(async () => (long)(await LagAsync(app) ?? 0), 2);

        // Bad input on the read route: 4xx, never 5xx.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Reader.GetAsync("/v1/reports?limit=ten", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Reader.GetAsync("/v1/reports/not-a-uuid", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Reader.GetAsync("/v1/stats/failures?interval=7x", Ct)).StatusCode);

        await ExecuteAsync(onStandby, "SELECT pg_wal_replay_resume()");
        await WaitForAsync(async () => (await ListAsync(app)).Count, 6);
        Assert.Equal(6, await StatsTotalAsync(app));
        await WaitForAsync(async () => (await LagAsync(app) ?? 99) < 1 ? 1 : 0, 1);

        // The standby down: its routes answer 503 + Retry-After (problem+json); ingest and the primary's routes carry on.
        await onStandby.DisposeAsync();
        await standby.StopAsync();
        foreach (var path in new[] { "/v1/reports", "/v1/stats/failures", $"/v1/reports/{list[0]}" })
        {
            var down = await app.Reader.GetAsync(path, Ct);
            Assert.True(down.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path} answered {(int)down.StatusCode} with the standby down");
            Assert.Equal(TimeSpan.FromSeconds(4), down.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.NoContent,
            (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "replica-down", appVersion: "3.1.0"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/alerts", Ct)).StatusCode);
    }

    private static async Task<List<Guid>> ListAsync(TestApp app)
    {
        using var page = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/reports", Ct));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    private static async Task<long> StatsTotalAsync(TestApp app)
    {
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture));
        using var stats = JsonDocument.Parse(await app.Reader.GetStringAsync($"/v1/stats/failures?from={from}&to={to}&interval=1h", Ct));
        return stats.RootElement.GetProperty("series").EnumerateArray()
            .SelectMany(s => s.GetProperty("buckets").EnumerateArray()).Sum(b => b.GetProperty("reports").GetInt64());
    }

    /// <summary>The exported <c>pinreports_replica_lag_seconds</c>, or null when it is absent or NaN.</summary>
    private static async Task<double?> LagAsync(TestApp app)
    {
        var line = (await app.Client.GetStringAsync("/metrics", Ct)).Split('\n').FirstOrDefault(l => l.StartsWith("pinreports_replica_lag_seconds", StringComparison.Ordinal));
        return line is not null && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var lag)
            && !double.IsNaN(lag) ? lag : null;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Pauses replay at a point where the standby's startup process holds no relation lock. A lock the primary took
    /// (the closer or partition maintenance creating a partition) is replayed on the standby and held until its commit
    /// is replayed; paused in between, every standby read of that table waits for as long as the pause lasts (a CI run
    /// hung a stats request for 60 s that way). A real standby only lags; this test pauses for good.
    /// </summary>
    private static async Task PauseReplayAsync(NpgsqlDataSource standby)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await ExecuteAsync(standby, "SELECT pg_wal_replay_pause()");
            for (var i = 0; i < 50 && await CountAsync(standby, "SELECT count(*) FROM (SELECT pg_get_wal_replay_pause_state() AS s) p WHERE s <> 'paused'") > 0; i++)
            {
                await Task.Delay(20, Ct);
            }
            var held = await CountAsync(standby, """
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE a.backend_type = 'startup' AND l.locktype = 'relation'
                """);
            if (held == 0) return;
            await ExecuteAsync(standby, "SELECT pg_wal_replay_resume()");
            await Task.Delay(100, Ct);
        }
        Assert.Fail("replay never paused without a replayed relation lock held");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task WaitForAsync(Func<Task<long>> value, long atLeast, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        long last;
        while ((last = await value()) < atLeast)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still {last} (want {atLeast}) after {seconds} s");
            await Task.Delay(250, Ct);
        }
    }
}
