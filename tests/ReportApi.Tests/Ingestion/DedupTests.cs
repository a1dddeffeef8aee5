using System.Net;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>docs/decisions/0005-duplicates-are-expected.md: resent reports are acknowledged and not stored twice.</summary>
public sealed class DedupTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string PinA = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string PinB = "pin-sha256=\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\"";

    [Fact]
    public async Task A_resent_report_is_acknowledged_and_stored_once_even_with_pins_in_another_order()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "dedup");

        var first = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA, PinB]), Ct);
        var resent = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinB, PinA]), Ct);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, resent.StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task Duplicates_inside_one_array_are_stored_once()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "dedup");
        var report = ReportJson.Ios("api.bank.example", pki.Chain, [PinA]);

        var response = await app.Client.PostReportAsync(new System.Text.Json.Nodes.JsonArray(report.DeepClone(), report.DeepClone(), report.DeepClone()), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task Another_failure_event_of_the_same_device_is_stored()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "dedup");

        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], dateTime: "2026-11-27T10:00:00Z"), Ct);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], dateTime: "2026-11-27T10:05:00Z"), Ct);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], dateTime: "2026-11-27T10:00:00Z", vendorId: "another-device"), Ct);

        Assert.Equal(3, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task A_key_last_stored_over_24_hours_ago_is_stored_again()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "dedup");
        var report = ReportJson.Ios("api.bank.example", pki.Chain, [PinA]);
        await app.Client.PostReportAsync(report, Ct);
        await app.CountAsync("UPDATE report_dedup SET last_stored_at = now() - interval '25 hours' RETURNING 1");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);

        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
    }
}
