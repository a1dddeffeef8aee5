using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.ScaleOut;

/// <summary>
/// Issue #16: primary failover on a multi-host connection string (<c>Host=primary,standby;Target Session
/// Attributes=primary</c>), the way Patroni runs it. Under load the primary crashes (immediate stop) and the standby is
/// promoted (<c>pg_ctl promote</c>): the same service process answers 503 + Retry-After during the gap (never a 500),
/// then acknowledges reports again without a restart, and every report it acknowledged before, during or after the
/// failover is on the new primary. Synchronous replication (<c>synchronous_standby_names</c>, as Patroni's
/// <c>synchronous_mode</c> sets it) is what makes the last point hold for a crash: a commit is acknowledged only once the
/// standby has it. Owns both clusters. Slow (~30 s): a process-level fault test.
/// </summary>
public sealed class FailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Ingest_resumes_on_the_promoted_standby_without_a_restart_and_no_acknowledged_report_is_lost()
    {
        var bin = LocalCluster.FindBinDirectory();
        Assert.SkipWhen(bin is null || !File.Exists(Path.Combine(bin, "pg_basebackup")), "Needs the machine's initdb, pg_ctl and pg_basebackup.");
        await using var primary = await LocalCluster.CreateAsync(bin!);
        await PostgresFixture.CreateTemplateAsync(primary.AdminConnectionString, "pinreports");
        await using var standby = await primary.CreateStandbyAsync();
        await using (var admin = new NpgsqlConnection(primary.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            foreach (var sql in new[] { "ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()" })
            {
                await using var command = new NpgsqlCommand(sql, admin);
                await command.ExecuteNonQueryAsync(Ct);
            }
            await StandbyPair.WaitAsync(admin, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'");
        }

        // Host Recheck Seconds: how long Npgsql trusts a host's cached state (offline, standby) before asking again; it
        // bounds how long after the promotion the service keeps answering 503.
        var multiHost = $"Host=127.0.0.1:{primary.Port},127.0.0.1:{standby.Port};Target Session Attributes=primary;Host Recheck Seconds=2;" +
            "Username=postgres;Database=pinreports;Timeout=3;Command Timeout=30";
        await using var app = TestApp.Start(multiHost, new Dictionary<string, string?>
        {
            ["Ingest:RetryAfterSeconds"] = "3",
            ["Ingest:CommitTimeout"] = "00:00:10",
            // Every client is 127.0.0.1: the per-address limit would answer 429 to the load itself.
            ["RateLimit:PerClientRequestsPerSecond"] = "0",
        });
        var pki = LivePki.Create("api.bank.example", "failover");
        var acknowledged = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var retryAfterMissing = 0;
        var unanswered = 0;
        var acknowledgedAfterPromotion = 0;
        var promoted = false;
        var firstAfterPromotion = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var clients = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var device = $"failover-{c}-{i}";
                HttpResponseMessage response;
                try
                {
                    response = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: device), CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // No answer (a client timeout on a starved machine) is no promise either way; it must stay rare.
                    Interlocked.Increment(ref unanswered);
                    continue;
                }
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    acknowledged.Add(device);
                    if (Volatile.Read(ref promoted) && Interlocked.Increment(ref acknowledgedAfterPromotion) == 1) firstAfterPromotion.TrySetResult(DateTime.UtcNow);
                }
                else
                {
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is null) Interlocked.Increment(ref retryAfterMissing);
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }, CancellationToken.None)).ToList();

        // Generous waits: a shared CI box can be slow, or paused (SIGSTOP) for a while.
        for (var waited = 0; acknowledged.Count < 20 && waited < 600; waited++) await Task.Delay(100, Ct);
        var before = acknowledged.Count;
        var stoppedAt = DateTime.UtcNow;
        await primary.StopAsync();
        // The gap as the query API sees it: 503 + Retry-After, like ingest.
        var query = await app.Reader.GetAsync("/v1/reports", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, query.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), query.Headers.RetryAfter?.Delta);
        await Task.Delay(1000, Ct);
        await standby.PromoteAsync();
        var promotedAt = DateTime.UtcNow;
        Volatile.Write(ref promoted, true);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (Volatile.Read(ref acknowledgedAfterPromotion) < 20 && DateTime.UtcNow < deadline) await Task.Delay(250, Ct);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")) + $", unanswered: {unanswered}";
        Assert.True(before >= 20, $"load before the failover ({before}); {summary}");
        Assert.True(acknowledgedAfterPromotion >= 20, $"ingest did not resume after the promotion ({acknowledgedAfterPromotion}); {summary}");
        Assert.True(statuses.ContainsKey(503), $"no 503 during the gap; {summary}");
        Assert.True(statuses.Keys.All(s => s is 204 or 503), $"only 204 and 503 are acceptable; {summary}");
        Assert.Equal(0, retryAfterMissing);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode);

        await using var promotedDb = await ReadOnlyDb.OpenAsync(new NpgsqlConnectionStringBuilder(standby.AdminConnectionString) { Database = "pinreports" }.ConnectionString);
        var stored = await promotedDb.DeviceHashesAsync(Ct);
        var missing = acknowledged.Where(d => !stored.Contains(ReadOnlyDb.DeviceHash(d))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged reports are missing after the failover, e.g. {string.Join(", ", missing.Take(5))}; {summary}");
        var resumedAt = await firstAfterPromotion.Task;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover: {acknowledged.Count} acknowledged, {summary}; primary stopped -> promoted {(promotedAt - stoppedAt).TotalSeconds:F1} s, promoted -> first 204 {(resumedAt - promotedAt).TotalSeconds:F1} s"));
    }
}
