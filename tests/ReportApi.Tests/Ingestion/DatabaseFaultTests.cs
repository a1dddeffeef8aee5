using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// A 2xx is a promise (docs/decisions/0001-a-2xx-means-committed.md): these tests stop a real PostgreSQL under the service and check that
/// the service answers 503 + Retry-After instead of acknowledging, recovers by itself, and never loses a 204.
/// Each test owns a throwaway cluster, since stopping the shared one would break other tests.
/// </summary>
public sealed class DatabaseFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Database_down_gets_503_with_retry_after_and_recovers_without_a_restart()
    {
        await using var cluster = await OwnClusterAsync();
        await using var app = TestApp.Start(await CreateDatabaseAsync(cluster), Settings());
        var pki = LivePki.Create("api.bank.example", "fault");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "d-1"), Ct)).StatusCode);

        await cluster.StopAsync();
        var down = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "d-2"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.True(down.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 must carry Retry-After");

        await cluster.StartAsync();
        var recovered = await PostUntilAsync(app, ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "d-3").ToJsonString(), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NoContent, recovered);
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports WHERE raw->>'app-version' IS NULL"));
    }

    [Fact]
    public async Task Killing_the_database_under_concurrent_load_loses_no_acknowledged_report()
    {
        await using var cluster = await OwnClusterAsync();
        await using var app = TestApp.Start(await CreateDatabaseAsync(cluster), Settings());
        var pki = LivePki.Create("api.bank.example", "fault");
        var acknowledged = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // 32 clients post unique reports while the database is killed and brought back.
        var clients = Enumerable.Range(0, 32).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var device = $"client-{c}-report-{i}";
                HttpStatusCode status;
                try
                {
                    status = (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: device), CancellationToken.None)).StatusCode;
                }
                catch (HttpRequestException)
                {
                    continue;
                }
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status == HttpStatusCode.NoContent) acknowledged.Add(device);
            }
        }, CancellationToken.None)).ToList();

        await Task.Delay(1500, Ct);
        await cluster.StopAsync();
        await Task.Delay(1500, Ct);
        await cluster.StartAsync();
        await Task.Delay(2500, Ct);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.ServiceUnavailable) > 0, "the outage must have been answered with 503s");
        Assert.True(acknowledged.Count > 50, $"load must have been acknowledged before and after the outage ({acknowledged.Count})");
        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500 && s != HttpStatusCode.ServiceUnavailable);

        await using var db = await ReadOnlyDb.OpenAsync(app.ConnectionString);
        var stored = await db.DeviceHashesAsync(Ct);
        var missing = acknowledged.Where(d => !stored.Contains(ReadOnlyDb.DeviceHash(d))).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Full_backlog_gets_503_and_the_queued_reports_still_commit()
    {
        await using var cluster = await OwnClusterAsync();
        await using var app = TestApp.Start(await CreateDatabaseAsync(cluster), Settings(("Ingest:QueueCapacity", "4")));
        var pki = LivePki.Create("api.bank.example", "fault");

        // Hold the dedup table so the writer blocks mid-batch and the queue fills up behind it.
        await using var blocker = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await blocker.BeginTransactionAsync(Ct);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE report_dedup IN ACCESS EXCLUSIVE MODE", blocker, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(Ct);
        }
        var posts = Enumerable.Range(0, 12).Select(i => app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"queued-{i}"), Ct)).ToList();
        await Task.Delay(1500, Ct);
        await transaction.RollbackAsync(Ct);
        var responses = await Task.WhenAll(posts);

        var rejected = responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.True(rejected > 0, "a full backlog must answer 503");
        Assert.True(accepted > 0, "queued requests must commit once the database moves again");
        Assert.Equal(12, rejected + accepted);
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable), r => Assert.NotNull(r.Headers.RetryAfter));
        Assert.Equal(accepted, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task Read_only_database_gets_503_not_a_crash_and_recovers_when_writable_again()
    {
        await using var cluster = await OwnClusterAsync();
        var connectionString = await CreateDatabaseAsync(cluster);
        await using var app = TestApp.Start(connectionString, Settings());
        var pki = LivePki.Create("api.bank.example", "fault");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "rw-1"), Ct)).StatusCode);

        // What a full disk or a failed-over replica looks like to the writer: every write transaction is refused.
        await SetReadOnlyAsync(cluster, true);
        for (var i = 0; i < 3; i++)
        {
            var refused = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"ro-{i}"), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz", Ct)).StatusCode);

        await SetReadOnlyAsync(cluster, false);
        var recovered = await PostUntilAsync(app, ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "rw-2").ToJsonString(), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NoContent, recovered);
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    private static async Task SetReadOnlyAsync(LocalCluster cluster, bool readOnly)
    {
        await using var admin = new NpgsqlConnection(cluster.AdminConnectionString);
        await admin.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"ALTER DATABASE pinreports SET default_transaction_read_only = {(readOnly ? "on" : "off")}", admin);
        await command.ExecuteNonQueryAsync(Ct);
        // The setting applies to new sessions: end the service's, as a failover or restart would.
        await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'pinreports' AND pid <> pg_backend_pid()", admin);
        await terminate.ExecuteScalarAsync(Ct);
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "true", ["Ingest:CommitTimeout"] = "00:00:20" };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    private static async Task<LocalCluster> OwnClusterAsync()
    {
        var bin = LocalCluster.FindBinDirectory();
        Assert.SkipWhen(bin is null, "Fault tests stop PostgreSQL, so they need the machine's initdb/pg_ctl to make a cluster of their own.");
        return await LocalCluster.CreateAsync(bin!);
    }

    private static async Task<string> CreateDatabaseAsync(LocalCluster cluster)
    {
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand("CREATE DATABASE pinreports", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        // Short timeouts: the outage must turn into 503s quickly, not hang requests.
        return new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = "pinreports", Timeout = 3 }.ConnectionString;
    }

    private static async Task<HttpStatusCode> PostUntilAsync(TestApp app, string body, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        HttpStatusCode status;
        do
        {
            status = (await app.Client.PostReportAsync(body, Ct)).StatusCode;
            if (status == HttpStatusCode.NoContent) return status;
            await Task.Delay(250, Ct);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }
}
