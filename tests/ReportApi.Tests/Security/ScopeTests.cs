using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Scope;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>Issue #22: <c>Ingest:Scope</c> refuses reports for apps, platforms and hosts the operator does not collect for.</summary>
public sealed class ScopeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private static readonly Lazy<LivePki> Pki = new(() => LivePki.Create("api.bank.example", "scope"));

    private static readonly Dictionary<string, string?> Scope = new()
    {
        ["Ingest:Scope:Apps:0:BundleId"] = "com.example.bank",
        ["Ingest:Scope:Apps:0:Platforms:0"] = "IOS",
        ["Ingest:Scope:Apps:1:BundleId"] = "com.example.shop",
        ["Ingest:Scope:Hosts:0"] = "api.bank.example",
        ["Ingest:Scope:Hosts:1"] = "*.shop.example",
    };

    private static JsonObject Report(string app = "com.example.bank", string host = "api.bank.example", string? platform = null, string device = "d")
    {
        var report = ReportJson.Ios(host, Pki.Value.Chain, [Pin], vendorId: device, bundleId: app);
        if (platform is not null) report["app-platform"] = platform;
        return report;
    }

    [Fact]
    public async Task Reports_outside_the_scope_are_refused_with_422_never_stored_and_listed_with_their_counts()
    {
        await using var app = await TestApp.StartAsync(postgres, Scope);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(Report(device: "in-1"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(Report("com.example.shop", "eu.shop.example", "ANDROID", "in-2"), Ct)).StatusCode);

        var wrongApp = await app.Client.PostReportAsync(Report("com.victim.bank", device: "out-1"), Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongApp.StatusCode);
        var problem = await wrongApp.ProblemAsync();
        Assert.Equal(IngestGate.OutOfScopeType, problem.GetProperty("type").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("app", error.GetProperty("reason").GetString());
        Assert.Contains("com.victim.bank", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await app.Client.PostReportAsync(Report("com.victim.bank", device: "out-2"), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.Client.PostReportAsync(Report(platform: "ANDROID", device: "out-3"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.Client.PostReportAsync(Report(host: "api.victim.example", device: "out-4"), Ct)).StatusCode);
        // *.shop.example is its subdomains, not shop.example itself.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await app.Client.PostReportAsync(Report("com.example.shop", "shop.example", device: "out-5"), Ct)).StatusCode);

        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM failure_series WHERE app = 'com.victim.bank' OR noted_hostname IN ('api.victim.example', 'shop.example')"));

        // Listed at once (this replica's unflushed counts), and the same after a flush to the table.
        await AssertListedAsync(app);
        await app.Services.GetRequiredService<ScopeRejectionFlusher>().FlushAsync(Ct);
        Assert.Equal(4, await app.CountAsync("SELECT count(*) FROM scope_rejections"));
        await AssertListedAsync(app);

        var metrics = await app.Client.GetStringAsync("/metrics", Ct);
        Assert.Contains("pinreports_reports_out_of_scope", metrics, StringComparison.Ordinal);
    }

    private static async Task AssertListedAsync(TestApp app)
    {
        using var list = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/scope/rejections", Ct));
        Assert.True(list.RootElement.GetProperty("scopeSet").GetBoolean());
        var items = list.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        var victim = items.Single(i => i.GetProperty("app").GetString() == "com.victim.bank");
        Assert.Equal(2, victim.GetProperty("reports").GetInt64());
        Assert.Equal("IOS", victim.GetProperty("platform").GetString());
        Assert.Equal("api.bank.example", victim.GetProperty("hostname").GetString());
        Assert.Equal("app", victim.GetProperty("reason").GetString());
        Assert.True(victim.GetProperty("firstSeen").GetDateTimeOffset() <= victim.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "platform" && i.GetProperty("platform").GetString() == "ANDROID");
        Assert.Contains(items, i => i.GetProperty("reason").GetString() == "host" && i.GetProperty("hostname").GetString() == "api.victim.example");
    }

    [Fact]
    public async Task A_mixed_array_is_refused_whole_and_only_its_out_of_scope_reports_are_counted()
    {
        await using var app = await TestApp.StartAsync(postgres, Scope);
        var body = new JsonArray(Report(device: "a"), Report("com.victim.bank", device: "b"), Report(device: "c"), Report(host: "x.victim.example", device: "d"));

        var response = await app.Client.PostReportAsync(body, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var pointers = (await response.ProblemAsync()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("pointer").GetString()).ToList();
        Assert.Equal(["/1", "/3"], pointers);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports"));
        using var list = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/scope/rejections", Ct));
        Assert.Equal(2, list.RootElement.GetProperty("items").EnumerateArray().Sum(i => i.GetProperty("reports").GetInt64()));
    }

    [Fact]
    public async Task Without_a_scope_everything_is_accepted_and_the_list_says_no_scope_is_set()
    {
        await using var app = await TestApp.StartAsync(postgres);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(Report("com.anything", "any.example"), Ct)).StatusCode);
        using var list = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/scope/rejections", Ct));
        Assert.False(list.RootElement.GetProperty("scopeSet").GetBoolean());
        Assert.Empty(list.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/v1/scope/rejections", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("Ingest:Scope:Hosts:0", "*", "Ingest:Scope:Hosts")]
    [InlineData("Ingest:Scope:Hosts:0", "api.*.example", "Ingest:Scope:Hosts")]
    [InlineData("Ingest:Scope:Apps:0:BundleId", "", "Ingest:Scope:Apps")]
    [InlineData("Ingest:MaxNewSeriesPerAppPerHour", "0", "MaxNewSeriesPerAppPerHour")]
    [InlineData("Alerting:MinNetworksToPage", "-1", "Alerting:MinNetworksToPage")]
    public async Task Bad_configuration_stops_start_up_naming_the_key(string key, string value, string message)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Ingest:Scope:Apps", StringComparison.Ordinal)) settings["Ingest:Scope:Apps:0:Platforms:0"] = "IOS";
        var e = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, settings));
        Assert.True(e.ToString().Contains(message, StringComparison.Ordinal), e.ToString());
    }
}
