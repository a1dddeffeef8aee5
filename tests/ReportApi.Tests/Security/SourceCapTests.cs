using System.Net;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>Forged reports from one network cannot add more than the cap to a series' alerting devices.</summary>
public sealed class SourceCapTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string Key = "c8895705506db20db48fae0d7f51e18f18abb71bd80f663f2683ab788d80d08e";

    [Fact]
    public async Task One_source_adds_at_most_the_cap_of_devices_while_every_report_is_stored_and_keyed_reports_are_exempt()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Ingest:MaxDevicesPerSourcePerSeries"] = "3",
            // Issue #22: a keyed app accepts only keyed reports, so the exemption is shown on another app.
            ["Ingest:AppKeys:0:App"] = "com.example.keyed",
            ["Ingest:AppKeys:0:Key"] = Key,
        });
        var pki = LivePki.Create("api.bank.example", "cap");

        // Ten minted device ids from one address, one series.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"forged-{i}"), Ct)).StatusCode);
        }
        // A device already counted still counts (a resend of a new failure event).
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "forged-0", dateTime: "2026-11-27T11:11:11Z"), Ct);
        // Another series from the same address has its own allowance.
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: "forged-0", appVersion: "2.9.0", dateTime: "2026-11-27T12:12:12Z"), Ct);

        Assert.Equal(12, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(3, await app.CountAsync("SELECT count(DISTINCT device_id) FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id WHERE s.version = '3.1.0'"));
        Assert.Equal(1, await app.CountAsync("SELECT count(DISTINCT device_id) FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id WHERE s.version = '2.9.0'"));
        Assert.Equal(11, await app.CountAsync("SELECT coalesce(sum(reports), 0) FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id WHERE s.version = '3.1.0'"));

        // Reports carrying the app's ingest key are authenticated and exempt.
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/reports?key={Key}")
            {
                Content = new StringContent(ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: $"keyed-{i}", bundleId: "com.example.keyed").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.SendAsync(request, Ct)).StatusCode);
        }
        Assert.Equal(5, await app.CountAsync("SELECT count(DISTINCT device_id) FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id WHERE s.app = 'com.example.keyed'"));
        // Each keyed device is its own evidence: five network ids, where the ten unkeyed ones share one.
        Assert.Equal(5, await app.CountAsync("SELECT count(DISTINCT network_id) FROM failure_networks_minute n JOIN failure_series s ON s.id = n.series_id WHERE s.app = 'com.example.keyed'"));
        Assert.Equal(1, await app.CountAsync("SELECT count(DISTINCT network_id) FROM failure_networks_minute n JOIN failure_series s ON s.id = n.series_id WHERE s.version = '3.1.0' AND s.app = 'com.example.bank'"));

        // A keyed device's network id is derived from it: deleting the device's data deletes it too.
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.DeleteAsync("/v1/devices/keyed-0", Ct)).StatusCode);
        Assert.Equal(4, await app.CountAsync("SELECT count(DISTINCT network_id) FROM failure_networks_minute n JOIN failure_series s ON s.id = n.series_id WHERE s.app = 'com.example.keyed'"));
    }
}
