using System.Net;
using System.Net.Http.Json;
using System.Text;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Stats;

/// <summary>Every bad parameter is a 400 problem+json naming it; keys and roles guard both endpoints.</summary>
public sealed class StatsValidationTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("groupBy=version,country", "groupBy")]
    [InlineData("groupBy=Version", "groupBy")]
    [InlineData("from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", "from")]
    [InlineData("from=2026-11-27T10:00:00Z&to=2026-11-27T10:00:00Z", "from")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=1732700000", "to")]
    [InlineData("from=0001-01-01T00:00:00Z", "from")]
    [InlineData("interval=10m", "interval")]
    [InlineData("interval=1h&interval=1d", "interval")]
    [InlineData("from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z&interval=1m", "interval")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-11-27T00:00:00Z&interval=1h", "interval")]
    [InlineData("from=2000-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&interval=1d", "interval")]
    [InlineData("version=", "version")]
    [InlineData("app=a&app=b", "app")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string query, string parameter)
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Reader.GetAsync("/v1/stats/failures?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(parameter, problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task Every_problem_is_listed_not_just_the_first()
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Reader.GetAsync("/v1/stats/failures?groupBy=country&from=soon&interval=2h", Ct);

        var problem = await response.ProblemAsync();
        Assert.Equal(["groupBy", "from", "interval"], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task More_than_10000_buckets_is_refused_and_10000_is_served()
    {
        await using var app = await TestApp.StartAsync(postgres);

        var over = await app.Reader.GetAsync("/v1/stats/failures?from=2000-01-01T00:00:00Z&to=2027-05-20T00:00:00Z&interval=1d", Ct);
        var problem = await over.ProblemAsync();
        Assert.Contains("10000", problem.GetProperty("errors")[0].GetProperty("detail").GetString());

        var limit = await app.Reader.GetAsync("/v1/stats/failures?from=2000-01-01T00:00:00Z&to=2027-05-19T00:00:00Z&interval=1d", Ct);
        Assert.Equal(HttpStatusCode.OK, limit.StatusCode);
    }

    [Fact]
    public async Task Stats_need_a_key_and_activity_needs_the_admin_role()
    {
        await using var app = await TestApp.StartAsync(postgres);
        object[] rows = [new { app = "com.example.bank", version = "3.2.1", platform = "IOS", day = "2026-11-27", activeDevices = 10 }];

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/v1/stats/failures", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/stats/failures", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.GetAsync("/v1/stats/failures", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.PostAsJsonAsync("/v1/activity", rows, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.PostAsJsonAsync("/v1/activity", rows, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.PostAsJsonAsync("/v1/activity", rows, Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM app_activity WHERE active_devices = 10 AND day = '2026-11-27'"));
    }

    [Theory]
    [InlineData("{}", "")]
    [InlineData("[]", "")]
    [InlineData("not json", "")]
    [InlineData("""[{"version":"1","platform":"IOS","day":"2026-11-27","activeDevices":1}]""", "/0/app")]
    [InlineData("""[{"app":"","version":"1","platform":"IOS","day":"2026-11-27","activeDevices":1}]""", "/0/app")]
    [InlineData("""[{"app":"a","version":"1","platform":"IOS","day":"27/11/2026","activeDevices":1}]""", "/0/day")]
    [InlineData("""[{"app":"a","version":"1","platform":"IOS","day":"2026-11-27T00:00:00Z","activeDevices":1}]""", "/0/day")]
    [InlineData("""[{"app":"a","version":"1","platform":"IOS","day":"2026-11-27","activeDevices":-1}]""", "/0/activeDevices")]
    [InlineData("""[{"app":"a","version":"1","platform":"IOS","day":"2026-11-27","activeDevices":1.5}]""", "/0/activeDevices")]
    [InlineData("""[{"app":"a","version":"1","platform":"IOS","day":"2026-11-27","activeDevices":1}, 3]""", "/1")]
    public async Task Bad_activity_is_a_400_problem_and_nothing_is_stored(string body, string pointer)
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Admin.PostAsync("/v1/activity", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(pointer, problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("parameter").GetString()));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM app_activity"));
    }

    [Fact]
    public async Task More_than_10000_activity_rows_are_refused()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var rows = Enumerable.Range(0, 10_001).Select(i => new { app = "a", version = $"{i}", platform = "IOS", day = "2026-11-27", activeDevices = 1 });

        var response = await app.Admin.PostAsJsonAsync("/v1/activity", rows, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
