using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Stats.KnownTraffic;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Stats:CacheSeconds: one answer serves identical stats requests for a few seconds (an incident's many dashboards ask
/// the same question), never an unauthorised caller, never a different question.
/// </summary>
public sealed class StatsCacheTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Ten = Day1.AddHours(10);
    private static readonly string Query = $"from={Iso(Ten)}&to={Iso(Ten.AddMinutes(10))}&interval=1m";

    private async Task<TestApp> StartAsync(int seconds)
    {
        var clock = new ManualClock(Ten);
        return await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Stats:CacheSeconds"] = seconds.ToString() },
            s => s.AddSingleton<TimeProvider>(clock));
    }

    private static long TotalReports(JsonElement stats) =>
        stats.GetProperty("series").EnumerateArray()
            .SelectMany(s => s.GetProperty("buckets").EnumerateArray())
            .Sum(b => b.GetProperty("reports").GetInt64());

    // One more stored report inside the queried window: device-9 at 10:02.
    private static async Task PostOneMoreAsync(TestApp app)
    {
        var clock = (ManualClock)app.Services.GetRequiredService<TimeProvider>();
        clock.Now = Ten.AddMinutes(2);
        var pki = LivePki.Create(Api, "stats-cache");
        var response = await app.Client.PostReportAsync(
            ReportJson.Ios(Api, pki.Chain, [Pin], vendorId: "device-9", appVersion: "3.2.1", dateTime: "2026-11-26T10:02:00Z", bundleId: App), Ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task An_answer_serves_the_same_request_until_it_expires_and_never_another_question()
    {
        await using var app = await StartAsync(seconds: 3);
        await PostAsync(app);

        var first = await StatsAsync(app, Query);
        await PostOneMoreAsync(app);
        var cached = await StatsAsync(app, Query);
        var otherQuestion = await StatsAsync(app, Query + "&groupBy=version");

        Assert.Equal(5, TotalReports(first));
        Assert.Equal(TotalReports(first), TotalReports(cached));     // served from the cache: the new report is not in it
        Assert.Equal(6, TotalReports(otherQuestion));               // a different query string is counted afresh

        await Task.Delay(TimeSpan.FromSeconds(3.5), Ct);
        Assert.Equal(6, TotalReports(await StatsAsync(app, Query)));
    }

    [Fact]
    public async Task A_cached_answer_is_never_served_to_a_caller_without_a_valid_key()
    {
        await using var app = await StartAsync(seconds: 30);
        await PostAsync(app);
        await StatsAsync(app, Query);

        var anonymous = await app.Client.GetAsync("/v1/stats/failures?" + Query, Ct);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/v1/stats/failures?" + Query);
        wrongKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-configured-key-0123456789");
        var wrong = await app.Client.SendAsync(wrongKey, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain("buckets", await wrong.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_bad_request_is_not_cached_and_stays_a_400()
    {
        await using var app = await StartAsync(seconds: 30);
        for (var i = 0; i < 2; i++)
        {
            var response = await app.Reader.GetAsync("/v1/stats/failures?interval=7m", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Zero_seconds_turns_the_cache_off()
    {
        await using var app = await StartAsync(seconds: 0);
        await PostAsync(app);

        var first = await StatsAsync(app, Query);
        await PostOneMoreAsync(app);

        Assert.Equal(TotalReports(first) + 1, TotalReports(await StatsAsync(app, Query)));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("301")]
    [InlineData("soon")]
    public async Task A_bad_cache_setting_stops_the_service_at_start_naming_the_key(string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Stats:CacheSeconds"] = value });
        });
        Assert.Contains("CacheSeconds", error.ToString());
    }
}
