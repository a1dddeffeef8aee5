using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Data;
using ReportApi.Pins;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Privacy;

public sealed class PrivacyTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Deleting_a_device_by_its_raw_vendor_id_removes_all_of_its_reports_and_nothing_else()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Pins:SettleDelay"] = "00:00:00" });
        var pki = LivePki.Create("api.bank.example", "privacy");
        const string subject = "5D3A1C2B-0000-4000-8000-00000000D51E";
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: subject, dateTime: "2026-11-27T08:00:00Z"), Ct);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: subject, dateTime: "2026-11-27T09:00:00Z"), Ct);
        // The same install as Android would send it (lower case): one device, one hash.
        await app.Client.PostReportAsync(ReportJson.Android("api.bank.example", [.. pki.Chain], [Pin], vendorId: subject.ToLowerInvariant()), Ct);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "someone-else"), Ct);

        await app.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, Ct);
        Assert.Equal(3, await app.CountAsync("SELECT count(*) FROM pin_inventory_devices"));

        var response = await app.Admin.DeleteAsync($"/v1/devices/{subject}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<Deletion>(Ct))!.ReportsDeleted);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
        // Derived per-device rows go too, and the inventory's distinct-device counts stay exact.
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM pin_inventory_devices"));
        Assert.Equal(1, await app.CountAsync("SELECT coalesce(sum(devices), 0) FROM pin_inventory"));
        // Ingest writes the minute grain (hours and days are the closer's; RollupCountsTests covers them after deletion).
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM failure_devices_minute"));
        Assert.Equal(1, await app.CountAsync("SELECT coalesce(sum(devices), 0) FROM failure_rollups_minute"));
        Assert.Equal(1, await app.CountAsync("SELECT coalesce(sum(devices), 0) FROM failure_stats('day', now() - interval '1 day', now(), 0)"));
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.DeleteAsync("/v1/devices/someone-else", Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task Retention_drops_whole_partitions_older_than_the_configured_days_on_schedule()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using (var db = NpgsqlDataSource.Create(connectionString))
        {
            foreach (var day in new[] { today.AddDays(-120), today.AddDays(-31), today.AddDays(-29) })
            {
                await using var create = db.CreateCommand(PartitionSql.CreateDay(day));
                await create.ExecuteNonQueryAsync(Ct);
            }
        }

        await using var app = TestApp.Start(connectionString, new Dictionary<string, string?> { ["Retention:Days"] = "30" });

        var deadline = DateTime.UtcNow.AddSeconds(20);
        // Retention drops one table's partition after another: wait for the last of the day's seven, not the first.
        while (await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname LIKE '%_p{today.AddDays(-31):yyyyMMdd}'") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
        }
        Assert.False(await PartitionExistsAsync(app, today.AddDays(-120)));
        Assert.False(await PartitionExistsAsync(app, today.AddDays(-31)));
        Assert.Equal(0, await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname LIKE '%_p{today.AddDays(-31):yyyyMMdd}'"));
        // Every daily table: reports, the six rollup tables, the four serving-count tables, the five chain tables, the network
        // sets and the alert evaluator's stored baseline windows.
        Assert.Equal(18, PartitionSql.DailyTables.Length);
        Assert.Equal(18, await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname LIKE '%_p{today.AddDays(-29):yyyyMMdd}'"));
        Assert.True(await PartitionExistsAsync(app, today.AddDays(-29)));
        Assert.True(await PartitionExistsAsync(app, today));
    }

    private static async Task<bool> PartitionExistsAsync(TestApp app, DateOnly day) =>
        await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname = '{PartitionSql.PartitionName(day)}'") == 1;

    private sealed record Deletion(string Device, int ReportsDeleted);
}
