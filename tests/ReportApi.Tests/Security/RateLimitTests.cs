using System.Net;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

public sealed class RateLimitTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task A_client_over_its_limit_gets_429_with_retry_after_and_nothing_is_stored()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["RateLimit:PerClientRequestsPerSecond"] = "1",
            ["RateLimit:PerClientBurst"] = "3",
        });
        var pki = LivePki.Create("api.bank.example", "ratelimit");

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++) statuses.Add(await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"rl-{i}"), Ct));

        var limited = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        // Burst of 3, one more token a second: at least 10 - 3 - (seconds elapsed) are refused.
        Assert.True(limited.Count >= 4, $"{limited.Count} of 10 refused");
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal(10 - limited.Count, await app.CountAsync("SELECT count(*) FROM reports"));
        // Query endpoints are not limited by the ingest bucket.
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode);
    }

    [Fact]
    public async Task Forwarded_client_addresses_count_only_from_trusted_proxies()
    {
        var settings = new Dictionary<string, string?> { ["RateLimit:PerClientRequestsPerSecond"] = "1", ["RateLimit:PerClientBurst"] = "1" };
        await using (var untrusted = await TestApp.StartAsync(postgres, settings))
        {
            await untrusted.Client.GetAsync("/healthz", Ct);
            // Without a trusted proxy, a client cannot pick a fresh bucket by inventing X-Forwarded-For.
            var statuses = new List<HttpStatusCode>();
            for (var n = 0; n < 3; n++) statuses.Add((await PostFromAsync(untrusted, $"198.51.100.{n + 1}", n)).StatusCode);
            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        }

        settings["Network:TrustedProxies:0"] = "127.0.0.1";
        settings["Network:TrustedProxies:1"] = "::1";
        await using var trusted = await TestApp.StartAsync(postgres, settings);
        await trusted.Client.GetAsync("/healthz", Ct);
        // Behind a trusted proxy every forwarded client has its own bucket...
        for (var n = 0; n < 3; n++) Assert.Equal(HttpStatusCode.NoContent, (await PostFromAsync(trusted, $"198.51.100.{n + 1}", n)).StatusCode);
        // ...and one forwarded client is still limited.
        var again = new List<HttpStatusCode>();
        for (var n = 3; n < 6; n++) again.Add((await PostFromAsync(trusted, "198.51.100.2", n)).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, again);
    }

    private static Task<HttpResponseMessage> PostFromAsync(TestApp app, string clientAddress, int n)
    {
        var pki = LivePki.Create("api.bank.example", "ratelimit");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports")
        {
            Content = new StringContent(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"fwd-{n}").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return app.Client.SendAsync(request, Ct);
    }
}
