using System.Net;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// A database that hangs instead of failing (a lock, a stalled disk): the request gets 503 + Retry-After once
/// Ingest:CommitTimeout passes, from the queue's deadline sweep, and the report is stored when the database moves
/// again, so the client's resend is acknowledged as a duplicate and nothing is stored twice.
/// </summary>
public sealed class CommitTimeoutTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task A_hung_commit_gets_503_after_the_timeout_and_the_resend_is_a_duplicate()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Ingest:CommitTimeout"] = "00:00:01" });
        var pki = LivePki.Create("api.bank.example", "hang");
        var report = ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "hung-1");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "warm"), Ct)).StatusCode);

        // Hold the dedup table: the writer's statement waits on the lock, so its commit is never confirmed in time.
        await using var holder = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await holder.BeginTransactionAsync(Ct);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE report_dedup IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(Ct);
        }

        var started = DateTime.UtcNow;
        var hung = await app.Client.PostReportAsync(report, Ct);
        var waited = DateTime.UtcNow - started;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, hung.StatusCode);
        Assert.True(hung.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 must carry Retry-After");
        Assert.Contains("did not commit in time", await hung.Content.ReadAsStringAsync(Ct));
        Assert.True(waited >= TimeSpan.FromSeconds(1), $"answered after {waited}, before the timeout");

        await transaction.RollbackAsync(Ct);

        // The writer commits the report once the lock is gone; the client's resend is then a duplicate.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await app.CountAsync("SELECT count(*) FROM reports WHERE raw->>'app-version' IS NOT NULL") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await app.CountAsync("SELECT coalesce(sum(duplicates), 0) FROM failure_rollups_minute"));
    }
}
