using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>A 204 survives a crash of the service right after the response (contract): SIGKILL under load, restart, count.</summary>
public sealed class ProcessCrashTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Every_report_answered_204_is_stored_after_the_service_is_killed_under_load()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var pki = LivePki.Create("api.bank.example", "crash");
        var acknowledged = new ConcurrentBag<string>();
        var service = await ServiceProcess.StartAsync(connectionString);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var stop = new CancellationTokenSource();

        var clients = Enumerable.Range(0, 32).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var device = $"crash-{c}-{i}";
                try
                {
                    var body = new StringContent(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: device).ToJsonString(), Encoding.UTF8, "application/json");
                    var response = await client.PostAsync("/v1/reports", body, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.NoContent) acknowledged.Add(device);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // The process died mid-request: no answer, no promise.
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }, CancellationToken.None)).ToList();

        await Task.Delay(2500, Ct);
        service.Kill();
        await Task.Delay(300, Ct);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        await using var restarted = await ServiceProcess.StartAsync(connectionString);
        await using var app = await ReadOnlyDb.OpenAsync(connectionString);
        var stored = await app.DeviceHashesAsync(Ct);
        Assert.True(acknowledged.Count > 50, $"the load must have been acknowledged before the kill ({acknowledged.Count})");
        var missing = acknowledged.Where(d => !stored.Contains(ReadOnlyDb.DeviceHash(d))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged reports are missing, e.g. {string.Join(", ", missing.Take(5))}");

        using var after = new HttpClient { BaseAddress = restarted.Address };
        var again = await after.PostAsync("/v1/reports", new StringContent(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "after-restart").ToJsonString(), Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await service.DisposeAsync();
    }
}
