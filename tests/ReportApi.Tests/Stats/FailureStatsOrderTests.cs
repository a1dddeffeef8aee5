using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Stats;

/// <summary>
/// The month-by-five-dimensions cuts of issue #12 change how the answer is produced, not what it is: groups still come
/// in the order of their keys as the database sorts them, and the database runs the read functions the code describes.
/// </summary>
public sealed class FailureStatsOrderTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Groups_come_in_the_order_the_database_sorts_their_keys_with_each_groups_buckets_in_time_order()
    {
        await using var app = await KnownTraffic.StartAsync(postgres);
        await KnownTraffic.PostAsync(app);
        // Keys that sort differently by case, punctuation and length, and one group without a value.
        var clock = (ManualClock)app.Services.GetRequiredService<TimeProvider>();
        var pki = LivePki.Create("Zeta.bank.example", "order");
        foreach (var (host, version) in new[] { ("Zeta.bank.example", "10.0"), ("alpha-b.bank.example", "9.1"), ("alpha.bank.example", "") })
        {
            clock.Now = KnownTraffic.Day1.AddHours(10).AddMinutes(3);
            var report = ReportJson.Ios(host, pki.Chain, [KnownTraffic.Pin], vendorId: $"order-{host}", appVersion: version.Length > 0 ? version : "x");
            if (version.Length == 0) report.Remove("app-version");
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);
        }
        await KnownTraffic.CloseAsync(app, KnownTraffic.Day1.AddHours(10).AddMinutes(5));
        foreach (var interval in new[] { "1m", "1h", "1d" })
        {
            var json = await KnownTraffic.StatsAsync(app,
                $"from={KnownTraffic.Iso(KnownTraffic.Day1.AddHours(9))}&to={KnownTraffic.Iso(KnownTraffic.Day1.AddHours(13))}&interval={interval}&groupBy=hostname,version");
            var keys = json.GetProperty("series").EnumerateArray()
                .Select(s => (Host: s.GetProperty("key").GetProperty("hostname").GetString() ?? "", Version: s.GetProperty("key").GetProperty("version").GetString() ?? ""))
                .ToList();
            Assert.True(keys.Count >= 5, $"only {keys.Count} groups");
            await using var sort = app.Db.CreateCommand("SELECT h, v FROM unnest($1::text[], $2::text[]) AS k (h, v) ORDER BY h, v");
            sort.Parameters.Add(new Npgsql.NpgsqlParameter { Value = keys.Select(k => k.Host).ToArray() });
            sort.Parameters.Add(new Npgsql.NpgsqlParameter { Value = keys.Select(k => k.Version).ToArray() });
            var sorted = new List<(string, string)>();
            await using (var reader = await sort.ExecuteReaderAsync(Ct))
            {
                while (await reader.ReadAsync(Ct)) sorted.Add((reader.GetString(0), reader.GetString(1)));
            }
            Assert.Equal(sorted, keys);
            foreach (var series in json.GetProperty("series").EnumerateArray())
            {
                var starts = series.GetProperty("buckets").EnumerateArray().Select(b => b.GetProperty("start").GetDateTimeOffset()).ToList();
                Assert.Equal(starts.Order(), starts);
            }
        }
    }

    [Fact]
    public async Task The_migrated_failure_stats_is_the_one_the_code_describes()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var create = ServingSchemaSql.CreateStatsFunction;
        var start = create.IndexOf("AS $fn$", StringComparison.Ordinal) + "AS $fn$".Length;
        var body = create[start..create.LastIndexOf("$fn$", StringComparison.Ordinal)];
        await using var command = app.Db.CreateCommand("SELECT prosrc FROM pg_proc WHERE proname = 'failure_stats'");
        Assert.Equal(body, (string)(await command.ExecuteScalarAsync(Ct))!);
    }
}
