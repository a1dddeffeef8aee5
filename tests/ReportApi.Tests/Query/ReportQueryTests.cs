using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Query;

/// <summary>
/// The query API against the primary. Not sealed on purpose: <see cref="StandbyReportQueryTests"/> runs every test here
/// again with the reads routed to a streaming standby (issue #16), by overriding <see cref="StartAppAsync"/>.
/// </summary>
public class ReportQueryTests(PostgresFixture postgres)
{
    /// <summary>The service under test; the standby variant points <c>ConnectionStrings:PostgresReadOnly</c> at a standby.</summary>
    protected virtual Task<TestApp> StartAppAsync(IDictionary<string, string?>? settings = null) => TestApp.StartAsync(postgres, settings);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string PinA = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Fact]
    public async Task Query_endpoints_need_a_key_and_reject_unknown_keys()
    {
        await using var app = await StartAppAsync();

        var anonymous = await app.Client.GetAsync("/v1/reports", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var wrong = app.CreateClient("not-a-configured-key-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/v1/reports", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync("/v1/reports", Ct)).StatusCode);
    }

    [Fact]
    public async Task List_filters_and_pages_newest_first_without_gaps_or_repeats()
    {
        await using var app = await StartAppAsync();
        var pki = LivePki.Create("api.bank.example", "query");
        for (var i = 0; i < 7; i++)
        {
            await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], vendorId: $"ios-{i}", appVersion: "3.1.0"), Ct);
        }
        await app.Client.PostReportAsync(ReportJson.Android("login.bank.example", [.. pki.Chain], [PinA], appVersion: "2.9.0"), Ct);

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await app.Reader.GetFromJsonAsync<Page>($"/v1/reports?version=3.1.0&limit=3{(cursor is null ? "" : "&cursor=" + cursor)}", Ct);
            Assert.True(page!.Items.Count <= 3);
            Assert.All(page.Items, item => Assert.Equal("3.1.0", item.Version));
            ids.AddRange(page.Items.Select(i => i.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(7, ids.Count);
        Assert.Equal(7, ids.Distinct().Count());
        var all = await app.Reader.GetFromJsonAsync<Page>("/v1/reports", Ct);
        Assert.Equal(8, all!.Items.Count);
        Assert.Equal(all.Items.OrderByDescending(i => i.ReceivedAt).ThenByDescending(i => i.Id).Select(i => i.Id), all.Items.Select(i => i.Id));

        var android = await app.Reader.GetFromJsonAsync<Page>("/v1/reports?platform=android&hostname=LOGIN.bank.example", Ct);
        Assert.Equal("2.9.0", Assert.Single(android!.Items).Version);
        Assert.Empty((await app.Reader.GetFromJsonAsync<Page>("/v1/reports?app=com.other.app", Ct))!.Items);
        Assert.Empty((await app.Reader.GetFromJsonAsync<Page>($"/v1/reports?to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}", Ct))!.Items);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cursor")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", "from")]
    [InlineData("diagnosis=aliens", "diagnosis")]
    [InlineData("validationResult=two", "validationResult")]
    [InlineData("app=", "app")]
    public async Task Malformed_query_parameters_get_400_naming_the_parameter(string query, string parameter)
    {
        await using var app = await StartAppAsync();

        var response = await app.Reader.GetAsync($"/v1/reports?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(parameter, problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task Csv_streams_every_matching_report_with_formula_cells_defused()
    {
        await using var app = await StartAppAsync();
        var pki = LivePki.Create("api.bank.example", "csv");
        for (var i = 0; i < 3; i++) await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], vendorId: $"csv-{i}"), Ct);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], vendorId: "evil", appVersion: "=HYPERLINK(\"http://x\",\"y\")"), Ct);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/reports?limit=1");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await app.Reader.SendAsync(request, Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("id,received_at,dialect,app,version", lines[0], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length); // header + 4 rows: CSV ignores the page cap
        Assert.Contains(lines, l => l.Contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Details_show_every_certificate_with_its_pin_match_and_an_actionable_diagnosis()
    {
        var pki = LivePki.Create("api.bank.example", "details");
        using var temp = new TempDirectory("pinreports-roots-");
        var roots = temp.File("roots.pem");
        await File.WriteAllTextAsync(roots, pki.Root.ExportCertificatePem(), Ct);
        await using var app = await StartAppAsync(new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = roots });
        // The app pinned an older intermediate key and the root: the root still matches, so this is not a rotation.
        var pinned = TestPki.PinDirective(pki.Root);
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA, pinned], validationResult: 1), Ct);
        // Another version pinned only keys the server no longer presents: a server-side rotation.
        await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, [PinA], appVersion: "2.9.0", vendorId: "old-app"), Ct);

        var page = await app.Reader.GetFromJsonAsync<Page>("/v1/reports?version=2.9.0", Ct);
        var id = Assert.Single(page!.Items).Id;
        using var details = JsonDocument.Parse(await app.Reader.GetStringAsync($"/v1/reports/{id}", Ct));
        var root = details.RootElement;

        Assert.Equal("server-rotation", root.GetProperty("diagnosis").GetProperty("code").GetString());
        // The runbook section of its diagnosis (the service's own copy when Notifications:RunbookBaseUrl is unset).
        Assert.Equal("http://localhost:8080/runbook#server-rotation", root.GetProperty("diagnosis").GetProperty("runbookUrl").GetString());
        Assert.Contains(TestPki.SpkiPin(pki.Leaf), root.GetProperty("diagnosis").GetProperty("explanation").GetString(), StringComparison.Ordinal);
        var certificates = root.GetProperty("chains")[0].GetProperty("certificates").EnumerateArray().ToList();
        Assert.Equal(3, certificates.Count);
        Assert.Equal(TestPki.SpkiPin(pki.Leaf), certificates[0].GetProperty("spkiSha256").GetString());
        Assert.Equal("CN=api.bank.example", certificates[0].GetProperty("subject").GetString());
        Assert.All(certificates, c => Assert.False(c.GetProperty("matchesKnownPin").GetBoolean()));
        Assert.False(root.GetProperty("raw").TryGetProperty("app-vendor-id", out _));
        Assert.Equal("2.9.0", root.GetProperty("raw").GetProperty("app-version").GetString());

        var other = (await app.Reader.GetFromJsonAsync<Page>("/v1/reports?version=3.1.0", Ct))!.Items.Single().Id;
        using var matched = JsonDocument.Parse(await app.Reader.GetStringAsync($"/v1/reports/{other}", Ct));
        Assert.True(matched.RootElement.GetProperty("chains")[0].GetProperty("certificates")[2].GetProperty("matchesKnownPin").GetBoolean());
        Assert.NotEqual("server-rotation", matched.RootElement.GetProperty("diagnosis").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c3301", HttpStatusCode.NotFound)]
    [InlineData("019abc00-0000-7000-8000-000000000000", HttpStatusCode.NotFound)]
    public async Task Unknown_or_malformed_ids_get_4xx(string id, HttpStatusCode expected)
    {
        await using var app = await StartAppAsync();

        var response = await app.Reader.GetAsync($"/v1/reports/{id}", Ct);

        Assert.Equal(expected, response.StatusCode);
        await response.ProblemAsync();
    }

    [Fact]
    public async Task OpenApi_document_and_interactive_docs_are_served()
    {
        await using var app = await StartAppAsync();

        using var openApi = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json", Ct));
        var paths = openApi.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/reports", out var reports));
        Assert.True(reports.TryGetProperty("post", out _));
        Assert.True(reports.TryGetProperty("get", out _));
        Assert.True(paths.TryGetProperty("/v1/reports/{id}", out _));

        var docs = await app.Client.GetAsync("/docs", Ct);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);
    }

    private sealed record Page(List<Item> Items, string? NextCursor);

    private sealed record Item(Guid Id, DateTimeOffset ReceivedAt, string? Version, string Diagnosis);
}
