using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Ingestion;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// Issue 21: never-seen chains take a lane of their own. Known-chain reports never wait for it; when it is full (or
/// a source network is over its new-chain budget) reports are still stored and acknowledged, with the diagnosis
/// deferred to the background pass. The tests block the lane instead of timing it, so a busy machine cannot flake them.
/// </summary>
public sealed class NewChainFloodTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string Host = "api.flood.example";

    [Fact]
    public async Task Known_chains_are_served_while_the_lane_is_blocked_and_overflow_is_stored_then_diagnosed_in_the_background()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Ingest:NewChains:Concurrency"] = "1",
            ["Ingest:NewChains:QueueCapacity"] = "2",
            ["Ingest:NewChains:PerSourcePerSecond"] = "0",
            ["Ingest:NewChains:DeferredPollInterval"] = "00:00:01",
        });
        var pki = LivePki.Create(Host, "flood");
        var lane = app.Services.GetRequiredService<NewChainLane>();
        List<Task<HttpResponseMessage>> waitingReports;

        // The known chain: analysed once through the lane, cached from then on.
        Assert.Equal(HttpStatusCode.NoContent, (await Post(app, pki.Chain, "known-0")).StatusCode);
        var analysedCode = await Scalar<string>(app, "SELECT diagnosis FROM reports");
        Assert.NotEqual("unknown", analysedCode);

        // A flood holds the lane's only slot; three new-chain reports wait in it (concurrency 1 + queue 2).
        using (await lane.HoldAllSlotsAsync(1))
        {
            var waiting = Enumerable.Range(0, 3).Select(i => Post(app, NewChain(pki), $"queued-{i}")).ToList();
            await WaitUntil(() => lane.InLane == 3);

            // Known-chain reports do not enter the lane: they are stored and answered while it stays blocked.
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await Post(app, pki.Chain, $"known-{i}")).StatusCode);
            }

            // New chains that find the lane full are stored too (204 after commit), diagnosis deferred.
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await Post(app, NewChain(pki), $"overflow-{i}")).StatusCode);
            }

            Assert.All(waiting, w => Assert.False(w.IsCompleted));
            Assert.Equal(8, await app.CountAsync("SELECT count(*) FROM reports"));
            // Rollups count the deferred reports once, under `unknown`, at ingest (until the pass moves them).
            Assert.Equal(2, await app.CountAsync(
                "SELECT coalesce(sum(r.reports), 0) FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id WHERE s.diagnosis = 'unknown'"));

            // Listed for the background pass, which waits for a slot of the lane like the flood does.
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct); // a poll interval: the pass had its chance to (wrongly) run
            Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM diagnosis_backlog"));
            Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports WHERE diagnosis = 'unknown'"));

            // Released at the end of this block: the waiting reports are then analysed in the lane and acknowledged.
            waitingReports = waiting;
        }

        Assert.All(await Task.WhenAll(waitingReports), r => Assert.Equal(HttpStatusCode.NoContent, r.StatusCode));
        // The pass then fills the deferred diagnoses in, as the lane would have, and empties the backlog.
        await WaitUntilAsync(async () => await app.CountAsync("SELECT count(*) FROM reports WHERE diagnosis = 'unknown'") == 0);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM diagnosis_backlog"));
        Assert.Equal(11, await app.CountAsync($"SELECT count(*) FROM reports WHERE diagnosis = '{analysedCode}'"));
        Assert.Equal(11, await app.CountAsync("SELECT coalesce(sum(reports), 0) FROM failure_rollups_minute"));
        // The filled-in reports' counts moved from `unknown` to their code (issue 13's RollupMove), in every grain.
        await ReportApi.Tests.Diagnosis.RediagnoseTests.AssertRollupsAgreeWithReportsAsync(app);
        Assert.Equal(0, lane.InLane);
    }

    [Fact]
    public async Task One_network_over_its_new_chain_budget_is_stored_with_diagnosis_deferred_and_another_network_is_not()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Ingest:NewChains:PerSourcePerSecond"] = "1",
            ["Ingest:NewChains:PerSourceBurst"] = "2",
            ["Ingest:NewChains:DeferredPollInterval"] = "01:00:00", // only a deferral wakes the pass
        });
        var pki = LivePki.Create(Host, "budget");

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Post(app, NewChain(pki), $"minted-{i}")).StatusCode);
        }

        Assert.Equal(6, await app.CountAsync("SELECT count(*) FROM reports"));
        // Two analysed within the burst (the refill of a test run is at most a few more), the rest deferred under `unknown`.
        var deferred = await app.CountAsync(
            "SELECT coalesce(sum(r.reports), 0) FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id WHERE s.diagnosis = 'unknown'");
        Assert.InRange(deferred, 1, 4);
        await WaitUntilAsync(async () => await app.CountAsync("SELECT count(*) FROM reports WHERE diagnosis = 'unknown'") == 0);

        var metrics = await app.Client.GetStringAsync("/metrics", Ct);
        Assert.Contains("pinreports_ingest_new_chains", metrics, StringComparison.Ordinal);
        Assert.Contains("source-budget", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ingest:NewChains:Concurrency", "-1", "Concurrency")]
    [InlineData("Ingest:NewChains:Concurrency", "many", "Ingest:NewChains:Concurrency")]
    [InlineData("Ingest:NewChains:QueueCapacity", "-5", "QueueCapacity")]
    [InlineData("Ingest:NewChains:PerSourcePerSecond", "-1", "PerSourcePerSecond")]
    [InlineData("Ingest:NewChains:PerSourceBurst", "0", "PerSourceBurst")]
    [InlineData("Ingest:NewChains:DeferredBatchSize", "0", "DeferredBatchSize")]
    [InlineData("Ingest:NewChains:DeferredPollInterval", "00:00:00", "DeferredPollInterval")]
    [InlineData("Ingest:NewChains:DeferredPollInterval", "soon", "Ingest:NewChains:DeferredPollInterval")]
    public async Task Bad_new_chain_settings_stop_start_up_naming_the_setting(string key, string value, string named)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> Post(TestApp app, IEnumerable<X509Certificate2> chain, string vendorId) =>
        app.Client.PostReportAsync(ReportJson.Ios(Host, chain, [Pin], vendorId: vendorId), Ct);

    /// <summary>A leaf nobody has seen: the same key under the same intermediate, a new serial.</summary>
    private static X509Certificate2[] NewChain(LivePki pki)
    {
        var now = DateTimeOffset.UtcNow;
        var leaf = TestPki.Leaf(Host, $"flood-leaf-{Host}", pki.Intermediate, KeyNameOf(pki), now.AddDays(-1), now.AddDays(30));
        return [leaf, pki.Intermediate, pki.Root];
    }

    // LivePki names the intermediate's key "{prefix}-int"; recover the prefix from its subject.
    private static string KeyNameOf(LivePki pki) => pki.Intermediate.GetNameInfo(X509NameType.SimpleName, false).Split(' ')[0] + "-int";

    private static async Task<T> Scalar<T>(TestApp app, string sql)
    {
        await using var command = app.Db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task WaitUntil(Func<bool> condition) => await WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 60 s");
            await Task.Delay(50, Ct);
        }
    }
}
