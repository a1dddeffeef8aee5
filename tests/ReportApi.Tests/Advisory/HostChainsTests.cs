using System.Net;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;
using ReportApi.Tests.Pins;
using static ReportApi.Tests.Advisory.AdvisoryScenario;

namespace ReportApi.Tests.Advisory;

public sealed class HostChainsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);
    private const string Url = $"/v1/hosts/{PinsScenario.Host}/chains";

    [Fact]
    public async Task Recording_answers_the_preflight_verdict_and_the_listing_keeps_who_when_and_which_chain()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        var backup = new[] { scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot };

        var live = await RecordAsync(app, "live", backup);
        Assert.Equal("live", live.GetProperty("kind").GetString());
        var preflight = live.GetProperty("preflight");
        Assert.Equal("fail", preflight.GetProperty("verdict").GetString());
        Assert.Equal("pass", Version(preflight, "IOS", "3.1.0").GetProperty("verdict").GetString());
        Assert.Equal("fail", Version(preflight, "IOS", "2.9.0").GetProperty("verdict").GetString());

        var plan = Today.AddDays(30);
        await RecordAsync(app, "planned", scenario.Current.Chain, plan);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"{Url}/planned", Ct)).StatusCode);
        await RecordAsync(app, "planned", [scenario.RotatedLeaf, scenario.RotatedIntermediate], plan);

        var listing = await ListAsync(app.Reader);
        Assert.Equal(PinsScenario.Host, listing.GetProperty("hostname").GetString());
        var liveView = listing.GetProperty("live");
        Assert.Equal(live.GetProperty("fingerprint").GetString(), liveView.GetProperty("fingerprint").GetString());
        Assert.Equal("release-bot", liveView.GetProperty("recordedBy").GetString());
        Assert.Equal(3, liveView.GetProperty("certificates").GetArrayLength());
        Assert.Contains(scenario.BackupRootPin, liveView.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains("BEGIN CERTIFICATE", liveView.GetProperty("pem").GetString());
        var planned = listing.GetProperty("planned");
        Assert.Equal(plan.ToString("yyyy-MM-dd"), planned.GetProperty("effectiveFrom").GetString());
        // Served without its root: the trust-store root it builds to is among the keys devices see.
        Assert.Contains(scenario.RootPin, planned.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));

        var history = listing.GetProperty("history").EnumerateArray()
            .Select(h => $"{h.GetProperty("kind").GetString()} {h.GetProperty("action").GetString()} {h.GetProperty("by").GetString()}").ToList();
        Assert.Equal(["planned recorded release-bot", "planned withdrawn release-bot", "planned recorded release-bot", "live recorded release-bot"], history);
        Assert.Equal(4, await app.CountAsync("SELECT count(*) FROM host_chain_history"));
    }

    [Fact]
    public async Task Going_live_with_the_planned_chain_fulfils_the_plan()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        var backup = new[] { scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot };

        await RecordAsync(app, "planned", backup, Today.AddDays(3));
        Assert.Equal("update-recommended", await ActionAsync(app, "2.9.0"));
        await RecordAsync(app, "live", backup);

        var listing = await ListAsync(app.Reader);
        Assert.Equal(JsonValueKind.Null, listing.GetProperty("planned").ValueKind);
        Assert.Equal("fulfilled", listing.GetProperty("history")[0].GetProperty("action").GetString());
        Assert.Equal("update-required", await ActionAsync(app, "2.9.0"));
    }

    [Theory]
    [InlineData("not%20a%20host")]
    [InlineData("bad_host!.example")]
    public async Task A_bad_hostname_is_400_and_nothing_is_stored(string host)
    {
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var response = await PutAsync(app.Admin, $"/v1/hosts/{host}/chains/live", Pem(scenario.Current.Chain));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("hostname", (await response.ProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Reader.GetAsync($"/v1/hosts/{host}/chains", Ct)).StatusCode);
        var longHost = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(app.Admin, $"/v1/hosts/{longHost}/chains/live", Pem(scenario.Current.Chain))).StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Theory]
    [InlineData("not a certificate at all")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("")]
    public async Task A_body_without_a_parsable_certificate_is_400_and_nothing_is_stored(string body)
    {
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var live = await PutAsync(app.Admin, $"{Url}/live", body);
        Assert.Equal(HttpStatusCode.BadRequest, live.StatusCode);
        await live.ProblemAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(app.Admin, $"{Url}/planned?from={Today.AddDays(1):yyyy-MM-dd}", body)).StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task An_oversized_body_is_413_another_media_type_415_and_nothing_is_stored()
    {
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var huge = Pem(scenario.Current.Chain) + new string('A', 300 * 1024);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PutAsync(app.Admin, $"{Url}/live", huge)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PutAsync(app.Admin, $"{Url}/planned?from={Today.AddDays(1):yyyy-MM-dd}", huge)).StatusCode);
        var json = await PutAsync(app.Admin, $"{Url}/live", Pem(scenario.Current.Chain), "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        await json.ProblemAsync();
        await AssertNothingStoredAsync(app);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?from=")]
    [InlineData("?from=tomorrow")]
    [InlineData("?from=2027-13-01")]
    [InlineData("?from=2027-1-5")]
    [InlineData("?from=2027-01-05T00:00:00Z")]
    [InlineData("?from=2027-01-05&from=2027-01-06")]
    [InlineData("?from=yesterday")]
    [InlineData("?from=far")]
    public async Task A_bad_from_date_is_400_and_nothing_is_stored(string query)
    {
        query = query.Replace("yesterday", Today.AddDays(-1).ToString("yyyy-MM-dd"), StringComparison.Ordinal)
            .Replace("far", Today.AddYears(20).ToString("yyyy-MM-dd"), StringComparison.Ordinal);
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var response = await PutAsync(app.Admin, $"{Url}/planned{query}", Pem(scenario.Current.Chain));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("from", (await response.ProblemAsync()).GetProperty("detail").GetString());
        var live = await PutAsync(app.Admin, $"{Url}/live?from={Today.AddDays(1):yyyy-MM-dd}", Pem(scenario.Current.Chain));
        Assert.Equal(HttpStatusCode.BadRequest, live.StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Readers_list_admins_record_and_withdraw_and_without_a_key_nothing_but_the_advisory()
    {
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var pem = Pem(scenario.Current.Chain);
        var from = $"?from={Today.AddDays(1):yyyy-MM-dd}";

        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(app.Reader, $"{Url}/live", pem)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(app.Reader, $"{Url}/planned{from}", pem)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PutAsync(app.Client, $"{Url}/live", pem)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync(Url, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.DeleteAsync($"{Url}/planned", Ct)).StatusCode);
        await AssertNothingStoredAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Reader.GetAsync(Url, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.DeleteAsync($"{Url}/planned", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PutAsync(app.Admin, $"{Url}/planned{from}", pem)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.DeleteAsync($"{Url}/planned", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync(Url, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AdvisoryAsync(app.Client, "2.9.0")).Response.StatusCode);
    }

    private static async Task AssertNothingStoredAsync(TestApp app)
    {
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM host_chains"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM host_chain_history"));
    }

    private static async Task<JsonElement> ListAsync(HttpClient client)
    {
        var response = await client.GetAsync(Url, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonElement Version(JsonElement preflight, string platform, string version) =>
        preflight.GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("platform").GetString() == platform && v.GetProperty("version").GetString() == version);
}
