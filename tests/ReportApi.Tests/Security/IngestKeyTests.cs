using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>Per-app ingest keys (required for an app once configured): in the report URL (TrustKit iOS) or as Basic auth from URL user-info (TrustKit-Android).</summary>
public sealed class IngestKeyTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string BankKey = "920784d2eeaf77aa4d5ce59897c08fd79705ad4f62f4b9b7d2eb4bd950194ba3";
    private const string OtherKey = "fb58301024a74eebb8689c5e27a68a915d5b3bac71fceb9e2bd3b3e133b5ea5b";

    [Fact]
    public async Task A_report_with_its_apps_key_is_stored_as_authenticated_and_others_are_not()
    {
        await using var app = await StartAsync();
        var pki = LivePki.Create("api.bank.example", "keys");
        string Body(string device, string bundle = "com.example.bank") => ReportJson.Ios("api.bank.example", pki.Chain, [Pin], vendorId: device, bundleId: bundle).ToJsonString();

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(app, $"/v1/reports?key={BankKey}", Body("query-key"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(app, "/v1/reports", Body("basic-key"), basic: BankKey)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(app, "/v1/reports", Body("user-and-key"), basic: $"reporter:{BankKey}")).StatusCode);
        // Issue #22: an app with a key configured accepts no report without it; another app's key does not vouch for it.
        var noKey = await PostAsync(app, "/v1/reports", Body("no-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("https://pinreports.dev/problems/ingest-key-required", (await noKey.ProblemAsync()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(app, $"/v1/reports?key={OtherKey}", Body("wrong-app"))).StatusCode);
        // An app without a key is still open (unauthenticated).
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(app, "/v1/reports", Body("free-app", "com.example.free"))).StatusCode);
        // Arrays are all-or-nothing: one keyless report of the keyed app refuses the whole request.
        var mixed = $"[{Body("mixed-free", "com.example.free")},{Body("mixed-bank")}]";
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(app, "/v1/reports", mixed)).StatusCode);

        Assert.Equal(3, await app.CountAsync("SELECT count(*) FROM reports WHERE authenticated"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE NOT authenticated"));
        using var page = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/reports", Ct));
        Assert.Equal(3, page.RootElement.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("authenticated").GetBoolean()));
    }

    [Fact]
    public async Task An_unknown_key_is_refused_with_401_and_nothing_is_stored()
    {
        await using var app = await StartAsync();
        var pki = LivePki.Create("api.bank.example", "keys");
        var body = ReportJson.Ios("api.bank.example", pki.Chain, [Pin]).ToJsonString();

        var byQuery = await PostAsync(app, "/v1/reports?key=guessed-key-0000000000", body);
        var byBasic = await PostAsync(app, "/v1/reports", body, basic: "guessed-key-0000000000");

        Assert.Equal(HttpStatusCode.Unauthorized, byQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, byBasic.StatusCode);
        await byQuery.ProblemAsync();
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM reports"));
    }

    private Task<TestApp> StartAsync() => TestApp.StartAsync(postgres, new Dictionary<string, string?>
    {
        ["Ingest:AppKeys:0:App"] = "com.example.bank",
        ["Ingest:AppKeys:0:Key"] = BankKey,
        ["Ingest:AppKeys:1:App"] = "com.example.other",
        ["Ingest:AppKeys:1:Key"] = OtherKey,
    });

    private static Task<HttpResponseMessage> PostAsync(TestApp app, string path, string body, string? basic = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (basic is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        return app.Client.SendAsync(request, Ct);
    }
}
