using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReportApi.Tests.Infrastructure;
using ReportApi.Tests.Pins;
using static ReportApi.Tests.Advisory.AdvisoryScenario;

namespace ReportApi.Tests.Advisory;

public sealed class AdvisoryTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task A_live_switch_to_the_backup_CA_tells_the_single_pin_version_to_update_and_not_the_versions_with_the_backup_pin()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        Assert.Equal("none", await ActionAsync(app, "2.9.0"));

        // No explicit rebuild: recording the chain rebuilds this replica's answers at once.
        await RecordAsync(app, "live", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot]);

        var (response, v29, _) = await AdvisoryAsync(app.Client, "2.9.0");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("update-required", v29.GetProperty("action").GetString());
        Assert.True(v29.GetProperty("known").GetBoolean());
        Assert.Equal(IosMessage, v29.GetProperty("message").GetString());
        Assert.Equal(IosStore, v29.GetProperty("storeUrl").GetString());
        var host = Assert.Single(v29.GetProperty("hosts").EnumerateArray());
        Assert.Equal(PinsScenario.Host, host.GetProperty("hostname").GetString());
        Assert.Equal("live-chain-fails-pins", host.GetProperty("reason").GetString());
        Assert.Equal(Today.ToString("yyyy-MM-dd"), host.GetProperty("effectiveFrom").GetString());

        // The backup root pin saves 3.1.0 on both platforms.
        var (_, v31, _) = await AdvisoryAsync(app.Client, "3.1.0");
        Assert.Equal("none", v31.GetProperty("action").GetString());
        Assert.True(v31.GetProperty("known").GetBoolean());
        Assert.Empty(v31.GetProperty("hosts").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, v31.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.Null, v31.GetProperty("storeUrl").ValueKind);
        Assert.Equal("none", await ActionAsync(app, "3.1.0", "ANDROID"));
        // 3.0.0 pins the old CA only (its pins expire in 10 days, still enforced); 2.5.0's pins expired yesterday.
        Assert.Equal("update-required", await ActionAsync(app, "3.0.0"));
        Assert.Equal("none", await ActionAsync(app, "2.5.0"));
    }

    [Fact]
    public async Task A_new_intermediate_spares_the_root_pinners_and_report_only_versions_are_not_told_to_update()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);

        // Served without its root: devices build to the root from their store, so the root pin of 3.0.0 matches.
        var verdict = await RecordAsync(app, "live", [scenario.RotatedLeaf, scenario.RotatedIntermediate]);
        Assert.Equal("fail", verdict.GetProperty("preflight").GetProperty("verdict").GetString());

        Assert.Equal("update-required", await ActionAsync(app, "2.9.0"));
        Assert.Equal("update-required", await ActionAsync(app, "3.1.0"));
        Assert.Equal("none", await ActionAsync(app, "3.0.0"));
        // Android 3.1.0 fails the pins too, but does not enforce them: its connections go on.
        var (_, android, _) = await AdvisoryAsync(app.Client, "3.1.0", "android");
        Assert.Equal("none", android.GetProperty("action").GetString());
        Assert.True(android.GetProperty("known").GetBoolean());
    }

    [Fact]
    public async Task A_planned_chain_recommends_an_update_before_its_date_and_pins_expired_by_then_do_not_count()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        var backup = new[] { scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot };

        var soon = Today.AddDays(7);
        var recorded = await RecordAsync(app, "planned", backup, soon);
        Assert.Equal(soon.ToString("yyyy-MM-dd"), recorded.GetProperty("effectiveFrom").GetString());
        Assert.Equal("release-bot", recorded.GetProperty("recordedBy").GetString());

        var (_, v29, _) = await AdvisoryAsync(app.Client, "2.9.0");
        Assert.Equal("update-recommended", v29.GetProperty("action").GetString());
        Assert.Equal("A certificate change is coming: update before it lands.", v29.GetProperty("message").GetString());
        var host = Assert.Single(v29.GetProperty("hosts").EnumerateArray());
        Assert.Equal("planned-chain-fails-pins", host.GetProperty("reason").GetString());
        Assert.Equal(soon.ToString("yyyy-MM-dd"), host.GetProperty("effectiveFrom").GetString());
        // 3.0.0's pins expire in 10 days: still enforced on day 7.
        Assert.Equal("update-recommended", await ActionAsync(app, "3.0.0"));
        Assert.Equal("none", await ActionAsync(app, "3.1.0"));

        // On day 12 they have expired: TrustKit no longer enforces them, so the plan does not concern 3.0.0.
        var later = await RecordAsync(app, "planned", backup, Today.AddDays(12));
        var v30 = later.GetProperty("preflight").GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("version").GetString() == "3.0.0" && v.GetProperty("platform").GetString() == "IOS");
        Assert.Equal("pins-expired", v30.GetProperty("impact").GetString());
        Assert.Equal("none", await ActionAsync(app, "3.0.0"));
        Assert.Equal("update-recommended", await ActionAsync(app, "2.9.0"));

        // A live chain that passes, with the plan still ahead: recommended stays recommended.
        await RecordAsync(app, "live", scenario.Current.Chain);
        Assert.Equal("update-recommended", await ActionAsync(app, "2.9.0"));

        // Withdrawn: nothing left to warn about.
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/v1/hosts/{PinsScenario.Host}/chains/planned", Ct)).StatusCode);
        Assert.Equal("none", await ActionAsync(app, "2.9.0"));
    }

    [Fact]
    public async Task A_plan_whose_date_has_come_requires_the_update()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);

        await RecordAsync(app, "planned", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot], Today);

        Assert.Equal("update-required", await ActionAsync(app, "2.9.0"));
        Assert.Equal("none", await ActionAsync(app, "3.1.0"));
    }

    [Fact]
    public async Task A_chain_on_a_subdomain_concerns_only_versions_pinning_the_parent_with_include_subdomains()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        await app.CountAsync("UPDATE pin_inventory SET include_subdomains = true WHERE app_version = '2.9.0' RETURNING 1");

        await RecordAsync(app, "live", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot], host: "eu.api.bank.example");

        var (_, v29, _) = await AdvisoryAsync(app.Client, "2.9.0");
        Assert.Equal("update-required", v29.GetProperty("action").GetString());
        Assert.Equal("eu.api.bank.example", Assert.Single(v29.GetProperty("hosts").EnumerateArray()).GetProperty("hostname").GetString());
        // 3.0.0 fails this chain too, but pins api.bank.example alone: the subdomain is not its business.
        Assert.Equal("none", await ActionAsync(app, "3.0.0"));
    }

    [Fact]
    public async Task An_unknown_version_and_an_unknown_or_unconfigured_app_get_the_same_answer()
    {
        var scenario = new PinsScenario();
        // Android is in the inventory (3.1.0) but not in Advisory:Apps: the advisory does not speak for it.
        await using var app = await SeededAsync(postgres, scenario, Ct, android: false);
        await RecordAsync(app, "live", [scenario.RotatedLeaf, scenario.RotatedIntermediate]);
        Assert.Equal("update-required", await ActionAsync(app, "3.1.0"));

        var unknownVersion = await AdvisoryAsync(app.Client, "9.9.9");
        var unknownApp = await AdvisoryAsync(app.Client, "1.0.0", app: "com.example.nobody");
        var unconfigured = await AdvisoryAsync(app.Client, "3.1.0", "android");

        Assert.Equal("none", unknownVersion.Body.GetProperty("action").GetString());
        Assert.False(unknownVersion.Body.GetProperty("known").GetBoolean());
        Assert.Empty(unknownVersion.Body.GetProperty("hosts").EnumerateArray());
        foreach (var other in new[] { unknownApp, unconfigured })
        {
            Assert.Equal(HttpStatusCode.OK, other.Response.StatusCode);
            Assert.Equal(unknownVersion.Text, other.Text);
            Assert.Equal(unknownVersion.Response.Headers.ETag, other.Response.Headers.ETag);
            Assert.Equal(unknownVersion.Response.Headers.CacheControl, other.Response.Headers.CacheControl);
        }
    }

    [Fact]
    public async Task A_matching_ETag_gets_304_until_the_answer_changes()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);

        var first = await AdvisoryAsync(app.Client, "2.9.0");
        var etag = first.Response.Headers.ETag!.ToString();
        Assert.Equal("public, max-age=60", first.Response.Headers.CacheControl!.ToString());

        var again = await AdvisoryAsync(app.Client, "2.9.0", ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.NotModified, again.Response.StatusCode);
        Assert.Empty(again.Text);
        Assert.Equal(etag, again.Response.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await AdvisoryAsync(app.Client, "2.9.0", ifNoneMatch: $"\"other\", W/{etag}")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AdvisoryAsync(app.Client, "2.9.0", ifNoneMatch: "\"other\"")).Response.StatusCode);
        // Another version's answer has the same body (none, known), hence the same tag; a different answer does not.
        Assert.Equal(etag, (await AdvisoryAsync(app.Client, "3.1.0")).Response.Headers.ETag!.ToString());

        await RecordAsync(app, "live", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot]);
        var changed = await AdvisoryAsync(app.Client, "2.9.0", ifNoneMatch: etag);
        Assert.Equal(HttpStatusCode.OK, changed.Response.StatusCode);
        Assert.NotEqual(etag, changed.Response.Headers.ETag!.ToString());
        Assert.Equal("update-required", changed.Body.GetProperty("action").GetString());
    }

    [Fact]
    public async Task Answers_follow_a_newly_learned_version_without_a_manual_rebuild()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct, configure: s => s["Advisory:RefreshInterval"] = "00:00:01");
        await RecordAsync(app, "live", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot]);
        var (_, before, _) = await AdvisoryAsync(app.Client, "4.0.0");
        Assert.False(before.GetProperty("known").GetBoolean());

        // A new release with only the old intermediate pinned reports its failures; the inventory learns it.
        await PinsScenario.PostAsync(app, scenario.Ios("4.0.0", [PinsScenario.Directive(scenario.IntermediatePin)], "device-new"), Ct);
        await PinsScenario.RefreshAsync(app, Ct);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        string action;
        while ((action = await ActionAsync(app, "4.0.0")) != "update-required" && DateTime.UtcNow < deadline) await Task.Delay(200, Ct);
        Assert.Equal("update-required", action);
    }

    [Theory]
    [InlineData("/v1/advisory")]
    [InlineData("/v1/advisory?app=com.example.bank&version=2.9.0")]
    [InlineData("/v1/advisory?app=com.example.bank&version=&platform=ios")]
    [InlineData("/v1/advisory?app=com.example.bank&app=x&version=2.9.0&platform=ios")]
    public async Task Missing_or_repeated_parameters_are_400(string url)
    {
        var scenario = new PinsScenario();
        await using var app = await TestApp.StartAsync(postgres, Settings(scenario));
        var response = await app.Client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ProblemAsync();
    }

    [Fact]
    public async Task An_overlong_parameter_is_400_and_the_advisory_is_public_and_rate_limited_per_client()
    {
        var scenario = new PinsScenario();
        var settings = Settings(scenario);
        settings["RateLimit:AdvisoryPerClientRequestsPerSecond"] = "1";
        settings["RateLimit:AdvisoryPerClientBurst"] = "3";
        await using var app = await TestApp.StartAsync(postgres, settings);

        var longVersion = await AdvisoryAsync(app.Client, new string('9', 300));
        Assert.Equal(HttpStatusCode.BadRequest, longVersion.Response.StatusCode);

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++) statuses.Add((await AdvisoryAsync(app.Client, "2.9.0")).Response);
        Assert.Contains(statuses, r => r.StatusCode == HttpStatusCode.OK);
        var limited = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= 4, $"{limited.Count} of 10 refused");
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        // The ingest bucket is another one: this client may still report.
        var pki = LivePki.Create(PinsScenario.Host, "advisory-rl");
        var report = ReportJson.Ios(PinsScenario.Host, pki.Chain, [PinsScenario.Directive(scenario.IntermediatePin)], vendorId: "rl");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);
    }

    [Fact]
    public async Task Answers_and_versions_told_to_update_are_exported_as_metrics()
    {
        var scenario = new PinsScenario();
        await using var app = await SeededAsync(postgres, scenario, Ct);
        await RecordAsync(app, "live", [scenario.BackupLeaf, scenario.BackupIntermediate, scenario.BackupRoot]);
        Assert.Equal("update-required", await ActionAsync(app, "2.9.0"));
        await AdvisoryAsync(app.Client, "9.9.9");

        var text = await app.Client.GetStringAsync("/metrics", Ct);
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("pinreports_advisory_answers_total{", StringComparison.Ordinal)
            && l.Contains("action=\"update-required\"", StringComparison.Ordinal) && Value(l) >= 1);
        Assert.Contains(lines, l => l.StartsWith("pinreports_advisory_answers_total{", StringComparison.Ordinal)
            && l.Contains("known=\"false\"", StringComparison.Ordinal) && Value(l) >= 1);
        Assert.Contains(lines, l => l.StartsWith("pinreports_advisory_versions{", StringComparison.Ordinal)
            && l.Contains("version=\"2.9.0\"", StringComparison.Ordinal) && l.Contains("action=\"update-required\"", StringComparison.Ordinal)
            && l.Contains($"app=\"{PinsScenario.App}\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Advisory:RefreshInterval", "00:02:00", "RefreshInterval")]
    [InlineData("Advisory:Apps:0:StoreUrl", "apps.apple.com/app/id1", "Advisory:Apps")]
    [InlineData("Advisory:Apps:1:Platform", "IOS", "same App and Platform")]
    [InlineData("Advisory:Apps:0:Message", "", "Advisory:Apps")]
    public async Task Bad_advisory_configuration_stops_start_up(string key, string value, string message)
    {
        var settings = Settings(new PinsScenario());
        settings[key] = value;
        var connectionString = await postgres.CreateDatabaseAsync();
        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, settings));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    private static double Value(string line) =>
        double.Parse(Regex.Match(line, @"\}\s+([0-9.eE+-]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
