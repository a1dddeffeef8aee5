using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Known traffic posted through HTTP at chosen server times, and the truth computed by hand from it.
/// <code>
/// day 1 (today, UTC)                                     stored  duplicates
/// 10:00  d1 iOS 3.2.1 api  (enforced)  event t1                1
/// 10:00  d2 iOS 3.2.1 api  (enforced)                          1
/// 10:00  d1 resends its t1 report                                       1
/// 10:01  d1 iOS 3.2.1 api  event t2 (same device, next minute) 1
/// 10:01  d3 iOS 3.2.0 cdn  (enforced)                          1
/// 10:07  d4 Android 3.2.1 api (report-only), sent twice in one array 1  1
/// 11:30  d2 iOS 3.2.1 cdn, d1 iOS 3.2.1 cdn                    2
/// day 2 (tomorrow)
/// 00:10  d1 iOS 3.2.1 api  event t5                            1
/// </code>
/// </summary>
internal sealed class KnownTraffic
{
    public const string Api = "api.bank.example";
    public const string Cdn = "cdn.bank.example";
    public const string App = "com.example.bank";
    public const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    // Today and tomorrow (UTC): maintenance prunes dedup keys by the database's clock, so traffic must not be over
    // 24 h older than the real time or resends would stop being duplicates.
    public static readonly DateTimeOffset Day1 = new(DateTime.UtcNow.Date, TimeSpan.Zero);
    public static readonly DateTimeOffset Day2 = Day1.AddDays(1);

    public static async Task<TestApp> StartAsync(PostgresFixture postgres, ManualClock? clock = null)
    {
        clock ??= new ManualClock(Day1.AddHours(10));
        return await TestApp.StartAsync(postgres, configureServices: s => s.AddSingleton<TimeProvider>(clock));
    }

    public static async Task PostAsync(TestApp app)
    {
        var clock = (ManualClock)app.Services.GetRequiredService<TimeProvider>();
        var api = LivePki.Create(Api, "stats-api");
        var cdn = LivePki.Create(Cdn, "stats-cdn");
        JsonObject Ios(string device, string version, LivePki pki, string host, string t) =>
            ReportJson.Ios(host, pki.Chain, [Pin], vendorId: device, appVersion: version, dateTime: t, bundleId: App);

        async Task Post(DateTimeOffset at, JsonNode body)
        {
            clock.Now = at;
            var response = await app.Client.PostReportAsync(body, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var d1t1 = Ios("device-1", "3.2.1", api, Api, "2026-11-26T10:00:00Z");
        await Post(Day1.AddHours(10).AddSeconds(5), d1t1);
        await Post(Day1.AddHours(10).AddSeconds(20), Ios("device-2", "3.2.1", api, Api, "2026-11-26T10:00:10Z"));
        await Post(Day1.AddHours(10).AddSeconds(50), d1t1.DeepClone());
        await Post(Day1.AddHours(10).AddMinutes(1).AddSeconds(1), Ios("device-1", "3.2.1", api, Api, "2026-11-26T10:01:00Z"));
        await Post(Day1.AddHours(10).AddMinutes(1).AddSeconds(30), Ios("device-3", "3.2.0", cdn, Cdn, "2026-11-26T10:01:30Z"));
        var android = ReportJson.Android(Api, [.. api.Chain], [Pin], vendorId: "device-4", appVersion: "3.2.1", dateTime: "2026-11-26T10:07:00Z", bundleId: App);
        await Post(Day1.AddHours(10).AddMinutes(7), new JsonArray(android.DeepClone(), android.DeepClone()));
        await Post(Day1.AddHours(11).AddMinutes(30), Ios("device-2", "3.2.1", cdn, Cdn, "2026-11-26T11:30:00Z"));
        await Post(Day1.AddHours(11).AddMinutes(30).AddSeconds(9), Ios("device-1", "3.2.1", cdn, Cdn, "2026-11-26T11:30:09Z"));
        await Post(Day2.AddMinutes(10), Ios("device-1", "3.2.1", api, Api, "2026-11-27T00:10:00Z"));
    }

    /// <summary>Moves the clock past the traffic and runs the rollup closer, which folds the hour and day grains.</summary>
    public static async Task CloseAsync(TestApp app, DateTimeOffset? until = null)
    {
        var clock = (ManualClock)app.Services.GetRequiredService<TimeProvider>();
        clock.Now = until ?? Day2.AddHours(1);
        await app.Services.GetRequiredService<ReportApi.Rollups.RollupCloser>().CloseAsync(wait: true, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> StatsAsync(TestApp app, string query)
    {
        var response = await app.Reader.GetAsync("/v1/stats/failures?" + query, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static async Task PostActivityAsync(TestApp app, params object[] rows)
    {
        var response = await app.Admin.PostAsJsonAsync("/v1/activity", rows, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ssZ"));

    public static string Day(DateTimeOffset t) => t.ToString("yyyy-MM-dd");

    /// <summary>The single series (no groupBy, or a groupBy with one group) as (start → bucket).</summary>
    public static IReadOnlyList<JsonElement> Buckets(JsonElement stats, string? key = null, string? value = null)
    {
        var series = stats.GetProperty("series").EnumerateArray()
            .Single(s => key is null || s.GetProperty("key").GetProperty(key).GetString() == value);
        return [.. series.GetProperty("buckets").EnumerateArray()];
    }

    /// <summary>(reports, duplicates, devices) of a bucket: the three numbers the hand truth is written in.</summary>
    public static (long Reports, long Duplicates, long Devices) Counts(JsonElement bucket) =>
        (bucket.GetProperty("reports").GetInt64(), bucket.GetProperty("duplicates").GetInt64(), bucket.GetProperty("devices").GetInt64());
}
