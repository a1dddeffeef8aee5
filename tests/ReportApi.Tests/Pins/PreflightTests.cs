using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Pins;

public sealed class PreflightTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_current_chain_passes_every_version()
    {
        using var scenario = new PinsScenario();
        await using var app = await SeededAsync(scenario);

        var result = await PreflightAsync(app, scenario.Current.Chain);

        Assert.Equal("pass", result.GetProperty("verdict").GetString());
        Assert.Equal(5, result.GetProperty("versionsChecked").GetInt32());
        Assert.Equal(0, result.GetProperty("devicesAffected").GetInt64());
        Assert.True(result.GetProperty("chainTrusted").GetBoolean());
        Assert.Empty(result.GetProperty("warnings").EnumerateArray());
        Assert.All(Versions(result), v => Assert.Equal("pass", v.GetProperty("verdict").GetString()));
    }

    [Fact]
    public async Task A_new_intermediate_under_the_same_root_fails_the_versions_that_pin_only_the_old_one()
    {
        using var scenario = new PinsScenario();
        await using var app = await SeededAsync(scenario);

        // Served without its root, as servers do: the device builds to the root from its store, and the root pin counts.
        var result = await PreflightAsync(app, [scenario.RotatedLeaf, scenario.RotatedIntermediate]);

        Assert.Equal("fail", result.GetProperty("verdict").GetString());
        var v29 = Version(result, "IOS", "2.9.0");
        Assert.Equal("fail", v29.GetProperty("verdict").GetString());
        Assert.Equal("blocked", v29.GetProperty("impact").GetString());
        Assert.Equal(3, v29.GetProperty("devicesAffected").GetInt64());
        Assert.Equal(2, Version(result, "IOS", "3.1.0").GetProperty("devicesAffected").GetInt64());
        var android = Version(result, "ANDROID", "3.1.0");
        Assert.Equal("fail", android.GetProperty("verdict").GetString());
        Assert.Equal("report-only", android.GetProperty("impact").GetString());
        Assert.Equal("pins-expired", Version(result, "IOS", "2.5.0").GetProperty("impact").GetString());

        var v30 = Version(result, "IOS", "3.0.0");
        Assert.Equal("pass", v30.GetProperty("verdict").GetString());
        var match = Assert.Single(v30.GetProperty("matchedPins").EnumerateArray());
        Assert.Equal("root", match.GetProperty("role").GetString());
        Assert.Equal(scenario.Current.Root.Subject, match.GetProperty("subject").GetString());
        Assert.Contains(result.GetProperty("chain").EnumerateArray(), c => c.GetProperty("source").GetString() == "trust-store");

        Assert.Equal(4, result.GetProperty("versionsFailing").GetInt32());
        // Distinct over the failing versions: device a carries 2.9.0 and 3.1.0 and counts once (a, b, c, d, e, f).
        Assert.Equal(6, result.GetProperty("devicesAffected").GetInt64());
    }

    [Fact]
    public async Task A_switch_to_the_backup_CA_passes_the_versions_with_the_backup_pin()
    {
        using var scenario = new PinsScenario();
        await using var app = await SeededAsync(scenario);

        var result = await PreflightAsync(app, [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot]);

        var v31 = Version(result, "IOS", "3.1.0");
        Assert.Equal("pass", v31.GetProperty("verdict").GetString());
        var match = Assert.Single(v31.GetProperty("matchedPins").EnumerateArray());
        Assert.Equal(2, match.GetProperty("position").GetInt32());
        Assert.Equal(PinsScenario.Directive(scenario.BackupRootPin), match.GetProperty("pin").GetString());
        Assert.Contains("position 2", v31.GetProperty("reason").GetString());
        Assert.Equal("pass", Version(result, "ANDROID", "3.1.0").GetProperty("verdict").GetString());

        Assert.Equal("fail", Version(result, "IOS", "2.9.0").GetProperty("verdict").GetString());
        Assert.Equal("fail", Version(result, "IOS", "3.0.0").GetProperty("verdict").GetString());
        Assert.Equal(5, result.GetProperty("devicesAffected").GetInt64()); // 2.9.0: a, b, c; 3.0.0: g; 2.5.0: f
    }

    [Fact]
    public async Task The_chains_own_problems_are_warnings()
    {
        using var scenario = new PinsScenario();
        await using var app = await SeededAsync(scenario);
        var stranger = LivePki.Create("www.unrelated.example", "pins-stranger");

        var result = await PreflightAsync(app, stranger.Chain);

        var warnings = result.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.Contains("does not cover api.bank.example", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("does not build to a trusted root", StringComparison.Ordinal));
        Assert.False(result.GetProperty("chainTrusted").GetBoolean());
        Assert.Equal("fail", result.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_hostname_nobody_pins_has_no_data_and_subdomains_follow_include_subdomains()
    {
        using var scenario = new PinsScenario();
        await using var app = await SeededAsync(scenario);

        var other = await PreflightAsync(app, scenario.Current.Chain, "www.other.example");
        Assert.Equal("no-data", other.GetProperty("verdict").GetString());
        Assert.Equal(0, other.GetProperty("versionsChecked").GetInt32());

        // Every seeded report says include-subdomains false, so a subdomain is not pinned by them.
        var sub = await PreflightAsync(app, scenario.Current.Chain, "eu.api.bank.example");
        Assert.Equal(0, sub.GetProperty("versionsChecked").GetInt32());
        await app.CountAsync("UPDATE pin_inventory SET include_subdomains = true WHERE app_version = '2.9.0' RETURNING 1");
        sub = await PreflightAsync(app, scenario.Current.Chain, "eu.api.bank.example");
        Assert.Equal(1, sub.GetProperty("versionsChecked").GetInt32());
    }

    [Theory]
    [InlineData("not a certificate at all")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("")]
    public async Task A_body_without_a_parsable_certificate_is_400(string body)
    {
        await using var app = await TestApp.StartAsync(postgres);
        var response = await PostAsync(app.Reader, "/v1/preflight?hostname=api.bank.example", body, "application/x-pem-file");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ProblemAsync();
    }

    [Theory]
    [InlineData("/v1/preflight")]
    [InlineData("/v1/preflight?hostname=")]
    [InlineData("/v1/preflight?hostname=not%20a%20host")]
    [InlineData("/v1/preflight?hostname=a&hostname=b")]
    public async Task A_missing_or_invalid_hostname_is_400(string url)
    {
        using var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres);
        var response = await PostAsync(app.Reader, url, Pem(scenario.Current.Chain), "application/x-pem-file");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("hostname", (await response.ProblemAsync()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    public async Task Other_media_types_are_415(string mediaType)
    {
        using var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres);
        var response = await PostAsync(app.Reader, "/v1/preflight?hostname=api.bank.example", Pem(scenario.Current.Chain), mediaType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Text_plain_is_accepted_and_an_oversized_body_is_413()
    {
        using var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres);
        var ok = await PostAsync(app.Reader, "/v1/preflight?hostname=api.bank.example", Pem(scenario.Current.Chain), "text/plain");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var huge = await PostAsync(app.Reader, "/v1/preflight?hostname=api.bank.example", new string('A', 300 * 1024), "application/x-pem-file");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
    }

    [Fact]
    public async Task Preflight_needs_an_api_key()
    {
        using var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres);
        var response = await PostAsync(app.Client, "/v1/preflight?hostname=api.bank.example", Pem(scenario.Current.Chain), "application/x-pem-file");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<TestApp> SeededAsync(PinsScenario scenario)
    {
        var app = await PinsScenario.StartAsync(postgres, scenario);
        await scenario.SeedAsync(app, Ct);
        await PinsScenario.RefreshAsync(app, Ct);
        return app;
    }

    private static async Task<JsonElement> PreflightAsync(TestApp app, IEnumerable<X509Certificate2> chain, string hostname = PinsScenario.Host)
    {
        var response = await PostAsync(app.Reader, $"/v1/preflight?hostname={hostname}", Pem(chain), "application/x-pem-file");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string body, string mediaType) =>
        client.PostAsync(url, new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(mediaType)), Ct);

    private static string Pem(IEnumerable<X509Certificate2> chain) => string.Join("\n", chain.Select(c => c.ExportCertificatePem())) + "\n";

    private static List<JsonElement> Versions(JsonElement result) => [.. result.GetProperty("versions").EnumerateArray()];

    private static JsonElement Version(JsonElement result, string platform, string version) =>
        Versions(result).Single(v => v.GetProperty("platform").GetString() == platform && v.GetProperty("version").GetString() == version);
}
