using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>Bad input gets a clear 4xx and changes nothing.</summary>
public sealed class IngestRejectionTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    [Theory]
    [InlineData("{\"hostname\": \"a.example\", \"known-pins\": [", "")]
    [InlineData("", "")]
    [InlineData("\"just a string\"", "")]
    [InlineData("{\"known-pins\": []}", "/hostname")]
    [InlineData("{\"hostname\": 42, \"known-pins\": []}", "/hostname")]
    [InlineData("{\"hostname\": \"a.example\"}", "/known-pins")]
    [InlineData("{\"hostname\": \"a.example\", \"known-pins\": \"pin-sha256=x\"}", "/known-pins")]
    [InlineData("{\"hostname\": \"a.example\", \"known-pins\": [], \"port\": \"https\"}", "/port")]
    [InlineData("{\"hostname\": \"a.example\", \"known-pins\": [], \"validated-certificate-chain\": [7]}", "/validated-certificate-chain/0")]
    [InlineData("{\"csp-report\": {\"document-uri\": \"https://a.example\"}}", "")]
    public async Task Malformed_or_wrong_type_body_gets_400_with_a_json_pointer_and_stores_nothing(string body, string pointer)
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Client.PostReportAsync(body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains(pointer, problem.Pointers());
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Deeply_nested_body_gets_400_without_recursing()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var body = "{\"hostname\": \"a.example\", \"known-pins\": [], \"x\": " + new string('[', 50_000) + new string(']', 50_000) + "}";

        var response = await app.Client.PostReportAsync(body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Array_with_one_bad_report_stores_none_of_them_and_names_the_bad_element()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "arrays");
        var good = ReportJson.Ios("api.bank.example", pki.Chain, [Pin]);
        var bad = ReportJson.Ios("api.bank.example", pki.Chain, [Pin]);
        bad.Remove("hostname");
        var body = new JsonArray(good.DeepClone(), bad, good.DeepClone());

        var response = await app.Client.PostReportAsync(body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["/1/hostname"], (await response.ProblemAsync()).Pointers());
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Array_of_valid_reports_is_stored_whole()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "arrays");
        // Leaf-only chains keep 101 reports under the 256 KiB cap, so the 101st is refused for the count, not the size.
        var body = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)ReportJson.Ios("api.bank.example", [pki.Leaf], [Pin], dateTime: $"2026-11-27T10:00:{i % 60:00}Z", vendorId: $"device-{i}"))]);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(body, Ct)).StatusCode);
        Assert.Equal(100, await app.CountAsync("SELECT count(*) FROM reports"));

        body.Add(ReportJson.Ios("api.bank.example", [pki.Leaf], [Pin], vendorId: "device-101"));
        var tooMany = await app.Client.PostReportAsync(body, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal([""], (await tooMany.ProblemAsync()).Pointers());
        Assert.Equal(100, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Fact]
    public async Task Body_over_the_cap_with_content_length_gets_413()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Ingest:MaxRequestBytes"] = "4096" });
        var body = "{\"hostname\": \"a.example\", \"known-pins\": [], \"pad\": \"" + new string('x', 5000) + "\"}";

        var response = await app.Client.PostReportAsync(body, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Chunked_body_over_the_cap_gets_413_while_streaming()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Ingest:MaxRequestBytes"] = "4096" });
        var body = Encoding.UTF8.GetBytes("{\"hostname\": \"a.example\", \"known-pins\": [], \"pad\": \"" + new string('x', 2_000_000) + "\"}");

        HttpResponseMessage response;
        try
        {
            response = await app.Client.PostChunkedAsync(body, ct: Ct);
        }
        catch (HttpRequestException)
        {
            // Kestrel may close the connection before the client finishes sending 2 MB; that too is a refusal.
            await AssertNothingStoredAsync(app);
            return;
        }
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Chunked_body_under_the_cap_is_accepted()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Ingest:MaxRequestBytes"] = "65536" });
        var pki = LivePki.Create("api.bank.example", "chunked");
        var body = Encoding.UTF8.GetBytes(ReportJson.Android("api.bank.example", [.. pki.Chain], [Pin]).ToJsonString());

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostChunkedAsync(body, ct: Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task Other_media_types_get_415(string mediaType)
    {
        await using var app = await TestApp.StartAsync(postgres);
        var content = new StringContent("{\"hostname\": \"a.example\", \"known-pins\": []}", Encoding.UTF8, mediaType);

        var response = await app.Client.PostAsync("/v1/reports", content, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Json_with_a_charset_parameter_is_accepted()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var content = new StringContent(ReportJson.Sample("trustkit-ios-docs-sample.json"), Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostAsync("/v1/reports", content, Ct)).StatusCode);
    }

    private static async Task AssertNothingStoredAsync(TestApp app)
    {
        Assert.Equal(0, await app.CountAsync("SELECT (SELECT count(*) FROM reports) + (SELECT count(*) FROM certificate_chains) + (SELECT count(*) FROM pin_sets) + (SELECT count(*) FROM report_dedup)"));
    }
}
