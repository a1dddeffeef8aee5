using System.Net;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Hosting;

/// <summary>
/// Issue #18: every 400, from every endpoint family, in one shape: problem+json with type, title, status, detail and
/// <c>errors</c> entries keyed by parameter (<c>{ parameter, detail }</c>), naming the parameter at fault. Fields
/// clients relied on before stay (ingest's <c>pointer</c>, the backtest's top-level <c>parameter</c>).
/// </summary>
public sealed class ProblemShapeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Pem = "application/x-pem-file";

    /// <summary>Method, path, who asks, body and its media type, and the parameter the problem must name.</summary>
    public static TheoryData<string, string, string, string?, string?, string> Cases => new()
    {
        { "POST", "/v1/reports", "app", """{"hostname":"api.example.com"}""", "application/json", "/known-pins" },
        { "GET", "/v1/reports?limit=0", "reader", null, null, "limit" },
        { "GET", "/v1/reports/not-a-uuid", "reader", null, null, "id" },
        { "GET", "/v1/pins?expiringWithinDays=soon", "reader", null, null, "expiringWithinDays" },
        { "GET", "/v1/pins?app=a&app=b", "reader", null, null, "app" },
        { "POST", "/v1/preflight", "reader", "-----BEGIN CERTIFICATE-----", Pem, "hostname" },
        { "POST", "/v1/preflight?hostname=not%20a%20host!", "reader", "-----BEGIN CERTIFICATE-----", Pem, "hostname" },
        { "POST", "/v1/preflight?hostname=api.example.com", "reader", "no certificate here", Pem, "body" },
        { "GET", "/v1/advisory?app=com.example.bank&platform=ios", "app", null, null, "version" },
        { "GET", "/v1/hosts/not_a_host!/chains", "reader", null, null, "hostname" },
        { "PUT", "/v1/hosts/api.example.com/chains/planned?from=tomorrow", "admin", "-----BEGIN CERTIFICATE-----", Pem, "from" },
        { "PUT", "/v1/hosts/api.example.com/chains/live?from=2030-01-01", "admin", "-----BEGIN CERTIFICATE-----", Pem, "from" },
        { "DELETE", "/v1/hosts/not_a_host!/chains/planned", "admin", null, null, "hostname" },
        { "GET", "/v1/stats/failures?interval=2m", "reader", null, null, "interval" },
        { "POST", "/v1/activity", "admin", "[]", "application/json", "" },
        { "POST", "/v1/activity", "admin", """[{"app":"a","version":"1","platform":"ios","day":"yesterday","activeDevices":1}]""", "application/json", "/0/day" },
        { "GET", "/v1/alerts?state=asleep", "reader", null, null, "state" },
        { "POST", "/v1/alerts/not-an-id/acknowledge", "admin", null, null, "id" },
        { "POST", "/v1/alerts/backtest", "admin", "{}", "application/json", "from" },
        // Not JSON at all: the framework's own 400 (the body does not bind), brought to the same shape.
        { "POST", "/v1/alerts/backtest", "admin", "{not json", "application/json", "body" },
        { "DELETE", "/v1/devices/" + new string('x', 300), "admin", null, null, "vendorId" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_400_has_the_one_shape(string method, string path, string who, string? body, string? mediaType, string parameter)
    {
        await using var app = await StartedAsync();
        var client = who switch { "reader" => app.Reader, "admin" => app.Admin, _ => app.Client };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, mediaType!);

        var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.StartsWith("https://pinreports.dev/problems/", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        var errors = problem.GetProperty("errors");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        Assert.NotEmpty(errors.EnumerateArray());
        Assert.All(errors.EnumerateArray(), e =>
        {
            Assert.Equal(JsonValueKind.String, e.GetProperty("parameter").ValueKind);
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("detail").GetString()));
        });
        Assert.Contains(parameter, errors.EnumerateArray().Select(e => e.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task Ingest_errors_keep_their_json_pointer_and_the_backtest_its_parameter()
    {
        await using var app = await StartedAsync();

        var ingest = await (await app.Client.PostReportAsync("""[{"hostname":"a.example.com"}]""", Ct)).ProblemAsync();
        Assert.Equal("https://pinreports.dev/problems/invalid-report", ingest.GetProperty("type").GetString());
        var error = ingest.GetProperty("errors")[0];
        Assert.Equal("/0/known-pins", error.GetProperty("pointer").GetString());
        Assert.Equal(error.GetProperty("pointer").GetString(), error.GetProperty("parameter").GetString());

        var backtest = await (await app.Admin.PostAsync("/v1/alerts/backtest",
            new StringContent("{}", Encoding.UTF8, "application/json"), Ct)).ProblemAsync();
        Assert.Equal(backtest.GetProperty("errors")[0].GetProperty("parameter").GetString(), backtest.GetProperty("parameter").GetString());
    }

    private Task<TestApp> StartedAsync() => TestApp.StartAsync(postgres, new Dictionary<string, string?>
    {
        ["Advisory:Apps:0:App"] = "com.example.bank",
        ["Advisory:Apps:0:Platform"] = "ios",
        ["Advisory:Apps:0:Message"] = "Update",
        ["Advisory:Apps:0:StoreUrl"] = "https://apps.example.com/bank",
    });
}
