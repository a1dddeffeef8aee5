using System.Net;
using System.Net.Http.Headers;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Console;

/// <summary>The console over plain HTTP: sessions, redirects, cookie flags, antiforgery, roles and bad input.</summary>
public sealed class ConsoleHttpTests(PostgresFixture postgres)
{
    private static readonly string[] Pages =
    [
        "/console/alerts", "/console/alerts/1", "/console/reports", "/console/reports/0190f0e4-7d3a-7000-8000-000000000000",
        "/console/preflight", "/console/reports.csv", "/console/alerts/1/acknowledge", "/console/sign-out",
    ];

    [Fact]
    public async Task Without_a_session_every_console_page_redirects_to_sign_in_and_the_api_refuses_the_console_cookie()
    {
        await using var app = await TestApp.StartAsync(postgres);
        using var anonymous = new ConsoleSession(app.BaseAddress);
        foreach (var page in Pages)
        {
            var response = await anonymous.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{page}: {response.StatusCode}");
            Assert.StartsWith("/console/sign-in?returnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }
        Assert.StartsWith("/console/sign-in", (await anonymous.GetAsync("/console")).Headers.Location!.AbsolutePath, StringComparison.Ordinal);

        using var session = await ConsoleSession.SignInAsync(app.BaseAddress, TestApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/console/alerts")).StatusCode);
        Assert.Equal("/console/alerts", (await session.GetAsync("/console")).Headers.Location!.OriginalString);
        // The JSON API authenticates bearer keys only: the admin's cookie is no credential there (no CSRF through it).
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/v1/alerts")).StatusCode);
        var post = await session.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/alerts/1/acknowledge"));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
    }

    [Fact]
    public async Task Sign_in_sets_an_httponly_secure_strict_expiring_cookie_never_shows_the_key_and_sign_out_ends_it()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Console:SessionLifetime"] = "02:00:00" });
        using var session = new ConsoleSession(app.BaseAddress);
        var signIn = await session.PostFormAsync("/console/sign-in",
            new() { ["apiKey"] = TestApp.ReaderKey, ["returnUrl"] = "/console/reports?app=x" }, "/console/sign-in");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/console/reports?app=x", signIn.Headers.Location!.OriginalString);

        var cookie = Assert.Single(session.SetCookies, c => c.StartsWith("__Host-pinreports-console=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("; secure", cookie, StringComparison.Ordinal);
        Assert.Contains("; samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("; path=/", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("domain=", cookie, StringComparison.Ordinal);
        var expires = DateTimeOffset.Parse(cookie.Split("expires=")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(110), TimeSpan.FromMinutes(121));
        var antiforgery = Assert.Single(session.SetCookies, c => c.StartsWith("__Host-pinreports-antiforgery=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; samesite=strict", antiforgery, StringComparison.Ordinal);
        Assert.Contains("; secure", antiforgery, StringComparison.Ordinal);
        Assert.Contains("; httponly", antiforgery, StringComparison.Ordinal);

        foreach (var page in new[] { "/console/alerts", "/console/reports", "/console/preflight", "/console/sign-in" })
        {
            var response = await session.GetAsync(page);
            var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain(TestApp.ReaderKey, html, StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl?.NoStore, page);
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain(session.SetCookies, c => c.Contains(TestApp.ReaderKey, StringComparison.Ordinal));
        Assert.Contains("on-call", await session.GetHtmlAsync("/console/alerts"), StringComparison.Ordinal);

        var signOut = await session.PostFormAsync("/console/sign-out", [], "/console/alerts");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.False(session.Cookies.ContainsKey("__Host-pinreports-console"));
        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/console/alerts")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_gets_no_session_and_an_offsite_return_url_is_ignored()
    {
        await using var app = await TestApp.StartAsync(postgres);
        using var session = new ConsoleSession(app.BaseAddress);
        var wrong = await session.PostFormAsync("/console/sign-in", new() { ["apiKey"] = "not-a-key-0123456789abcdef" }, "/console/sign-in");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var html = await wrong.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("not valid", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key-0123456789abcdef", html, StringComparison.Ordinal);
        Assert.False(session.Cookies.ContainsKey("__Host-pinreports-console"));

        Assert.Equal(HttpStatusCode.BadRequest, (await session.PostFormAsync("/console/sign-in", new() { ["apiKey"] = "" }, "/console/sign-in")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await session.PostFormAsync("/console/sign-in", new() { ["apiKey"] = new string('k', 5000) }, "/console/sign-in")).StatusCode);

        foreach (var offsite in new[] { "https://evil.example/", "//evil.example/", "/console//evil.example", "/\\evil.example" })
        {
            var ok = await session.PostFormAsync("/console/sign-in", new() { ["apiKey"] = TestApp.ReaderKey, ["returnUrl"] = offsite }, "/console/sign-in");
            Assert.Equal("/console/alerts", ok.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task Forms_without_the_antiforgery_token_are_refused_and_change_nothing()
    {
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        var id = await ConsoleScenario.AlertIdAsync(scenario, AlertScenario.VersionHostKey);
        using var admin = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.AdminKey);

        var ack = await admin.PostFormAsync($"/console/alerts/{id}/acknowledge", [], "/console/alerts", withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, ack.StatusCode);
        Assert.Equal("firing", await ConsoleScenario.StatusAsync(scenario, id));

        // A token from another session is no good either.
        using var other = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.AdminKey);
        await other.GetAsync("/console/alerts");
        var foreign = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/console/alerts/{id}/acknowledge")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = other.LastToken! }),
        });
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal("firing", await ConsoleScenario.StatusAsync(scenario, id));

        using var fresh = new ConsoleSession(scenario.Service.BaseAddress);
        var signIn = await fresh.PostFormAsync("/console/sign-in", new() { ["apiKey"] = TestApp.AdminKey }, "/console/sign-in", withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.False(fresh.Cookies.ContainsKey("__Host-pinreports-console"));
    }

    [Fact]
    public async Task A_reader_cannot_acknowledge_and_an_admin_can()
    {
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        var id = await ConsoleScenario.AlertIdAsync(scenario, AlertScenario.VersionHostKey);

        using var reader = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.ReaderKey);
        Assert.DoesNotContain(">Acknowledge</button>", await reader.GetHtmlAsync("/console/alerts"), StringComparison.Ordinal);
        Assert.DoesNotContain(">Acknowledge</button>", await reader.GetHtmlAsync($"/console/alerts/{id}"), StringComparison.Ordinal);
        var refused = await reader.PostFormAsync($"/console/alerts/{id}/acknowledge", new() { ["returnUrl"] = "/console/alerts" }, "/console/alerts");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("firing", await ConsoleScenario.StatusAsync(scenario, id));

        using var admin = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.AdminKey);
        Assert.Contains(">Acknowledge</button>", await admin.GetHtmlAsync("/console/alerts"), StringComparison.Ordinal);
        var ack = await admin.PostFormAsync($"/console/alerts/{id}/acknowledge", new() { ["returnUrl"] = "/console/alerts?state=all" }, "/console/alerts");
        Assert.Equal(HttpStatusCode.Redirect, ack.StatusCode);
        Assert.Equal($"/console/alerts?state=all&acknowledged={id}", ack.Headers.Location!.OriginalString);
        Assert.Equal("acknowledged", await ConsoleScenario.StatusAsync(scenario, id));
        Assert.Equal(1, await scenario.Service.CountAsync($"SELECT count(*) FROM alerts WHERE id = {id} AND acknowledged_by = 'release-bot'"));

        // Acknowledging a resolved or unknown alert is the API's 409/404, shown as a page with that status.
        Assert.Equal(HttpStatusCode.NotFound,
            (await admin.PostFormAsync("/console/alerts/987654/acknowledge", [], "/console/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await admin.PostFormAsync("/console/alerts/x1/acknowledge", [], "/console/alerts")).StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_a_4xx_page_never_a_5xx()
    {
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        using var session = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.AdminKey);
        var cases = new (string Path, HttpStatusCode Status)[]
        {
            ("/console/alerts?state=bogus", HttpStatusCode.BadRequest),
            ("/console/alerts/abc", HttpStatusCode.BadRequest),
            ("/console/alerts/-1", HttpStatusCode.BadRequest),
            ("/console/alerts/99999999999999999999", HttpStatusCode.BadRequest),
            ("/console/alerts/424242", HttpStatusCode.NotFound),
            ("/console/reports/not-a-guid", HttpStatusCode.BadRequest),
            ("/console/reports/00000000-0000-0000-0000-000000000000", HttpStatusCode.NotFound),
            ("/console/reports?from=yesterday", HttpStatusCode.BadRequest),
            ("/console/reports?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest),
            ("/console/reports?cursor=garbage", HttpStatusCode.BadRequest),
            ("/console/reports?diagnosis=nonsense", HttpStatusCode.BadRequest),
            ("/console/reports?validationResult=x", HttpStatusCode.BadRequest),
            ("/console/reports?app=" + new string('a', 300), HttpStatusCode.BadRequest),
            ("/console/reports.csv?from=nope", HttpStatusCode.BadRequest),
            ("/console/reports?app=com.example.bank&from=2020-01-01T00:00:00Z", HttpStatusCode.OK),
            ("/console/reports?hostname=api.bank.example&version=%27%22%3Cb%3E", HttpStatusCode.OK),
            ("/console/reports?hostname=api.bank.example&version=%00", HttpStatusCode.BadRequest),
        };
        foreach (var (path, status) in cases)
        {
            var response = await session.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: {response.StatusCode}, expected {status}");
        }

        // The JSON API's filter refuses a NUL too (PostgreSQL text cannot hold one).
        Assert.Equal(HttpStatusCode.BadRequest, (await scenario.Service.Reader.GetAsync("/v1/reports?version=%00", TestContext.Current.CancellationToken)).StatusCode);

        var tooBig = new string('A', 600 * 1024);
        var preflightCases = new (Dictionary<string, string> Form, HttpStatusCode Status)[]
        {
            (new() { ["hostname"] = "api.bank.example", ["pem"] = "" }, HttpStatusCode.BadRequest),
            (new() { ["hostname"] = "", ["pem"] = ConsoleScenario.NewChainPem() }, HttpStatusCode.BadRequest),
            (new() { ["hostname"] = "not a host!", ["pem"] = ConsoleScenario.NewChainPem() }, HttpStatusCode.BadRequest),
            (new() { ["hostname"] = "api.bank.example", ["pem"] = "hello" }, HttpStatusCode.BadRequest),
            (new() { ["hostname"] = "api.bank.example", ["pem"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" }, HttpStatusCode.BadRequest),
            (new() { ["hostname"] = "api.bank.example", ["pem"] = tooBig }, HttpStatusCode.BadRequest),
        };
        foreach (var (form, status) in preflightCases)
        {
            var response = await session.PostFormAsync("/console/preflight", form, "/console/preflight");
            Assert.True(status == response.StatusCode || (int)response.StatusCode is 400 or 413,
                $"pre-flight {string.Join(",", form.Select(f => $"{f.Key}={f.Value[..Math.Min(20, f.Value.Length)]}"))}: {response.StatusCode}");
        }

        var ok = await session.PostFormAsync("/console/preflight",
            new() { ["hostname"] = AlertScenario.Host, ["pem"] = ConsoleScenario.NewChainPem() }, "/console/preflight");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var html = await ok.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("Verdict: <span class=\"badge bad\">fail</span>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_from_one_replica_is_valid_on_another_because_the_key_ring_is_in_postgres_away_from_grafana()
    {
        await using var first = await TestApp.StartAsync(postgres);
        using var session = await ConsoleSession.SignInAsync(first.BaseAddress, TestApp.AdminKey);
        Assert.True(await first.CountAsync("SELECT count(*) FROM data_protection_keys") >= 1);

        await using var second = TestApp.Start(first.ConnectionString);
        using var there = new ConsoleSession(second.BaseAddress);
        foreach (var (name, value) in session.Cookies) there.Cookies[name] = value;
        Assert.Equal(HttpStatusCode.OK, (await there.GetAsync("/console/alerts")).StatusCode);
        // A form rendered by the first replica posts to the second: the antiforgery token decrypts there too.
        await session.GetAsync("/console/alerts");
        var signOut = await there.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/console/sign-out")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = session.LastToken! }),
        });
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        if (await first.CountAsync("SELECT count(*) FROM pg_roles WHERE rolname = 'pinreports_grafana'") == 1)
        {
            Assert.Equal(0, await first.CountAsync("SELECT count(*) FROM (SELECT 1 WHERE has_table_privilege('pinreports_grafana', 'data_protection_keys', 'SELECT')) t"));
            Assert.Equal(1, await first.CountAsync("SELECT count(*) FROM (SELECT 1 WHERE has_table_privilege('pinreports_grafana', 'reports', 'SELECT')) t"));
        }
    }

    [Fact]
    public async Task The_runbook_page_serves_the_built_in_runbook_or_says_it_is_missing()
    {
        await using var app = await TestApp.StartAsync(postgres);
        using var session = await ConsoleSession.SignInAsync(app.BaseAddress, TestApp.ReaderKey);
        var response = await session.GetAsync("/console/runbook");
        var built = typeof(ReportApi.ResponderConsole.ConsoleOptions).Assembly.GetManifestResourceNames().Contains("runbook.md");
        Assert.Equal(built ? HttpStatusCode.OK : HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal(built, File.Exists(Path.Combine(RepositoryPaths.Root, "docs", "runbook.md")));
    }

    [Fact]
    public async Task The_csv_link_downloads_the_filtered_reports_with_the_session_cookie()
    {
        await using var scenario = await ConsoleScenario.StartAsync(postgres);
        using var session = await ConsoleSession.SignInAsync(scenario.Service.BaseAddress, TestApp.ReaderKey);
        var from = Uri.EscapeDataString(AlertScenario.T.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ"));
        var response = await session.GetAsync($"/console/reports.csv?app={AlertScenario.App}&version={AlertScenario.Version}&from={from}&to={Uri.EscapeDataString(AlertScenario.T.AddMinutes(5).ToString("yyyy-MM-ddTHH:mm:ssZ"))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,received_at,", lines[0], StringComparison.Ordinal);
        Assert.Equal(AlertScenario.SpikeDevices, lines.Length - 1);
    }
}
