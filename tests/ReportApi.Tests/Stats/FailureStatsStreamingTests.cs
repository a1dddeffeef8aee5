using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Stats;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Stats.KnownTraffic;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Issue #12: <c>GET /v1/stats/failures</c> streams its answer with a hand-written <c>Utf8JsonWriter</c> and zero-fills
/// in C# from a sparse query. The bytes must be exactly what the serialiser writes for the <see cref="FailureStats"/>
/// records (the contract's shape, and the objects the responder console renders).
/// </summary>
public sealed class FailureStatsStreamingTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_streamed_answer_is_byte_for_byte_the_serialised_records()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);
        // Known, zero and unknown denominators; a group with a null key (no noted hostname).
        await PostActivityAsync(app,
            new { app = App, version = "3.2.1", platform = "IOS", day = Day(Day1), activeDevices = 100 },
            new { app = App, version = "3.2.1", platform = "ANDROID", day = Day(Day1), activeDevices = 7 },
            new { app = App, version = "3.2.0", platform = "IOS", day = Day(Day1), activeDevices = 0 },
            new { app = App, version = "3.2.1", platform = "IOS", day = Day(Day2), activeDevices = 3 });
        await CloseAsync(app, Day1.AddHours(11).AddMinutes(31));

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        string[] queries =
        [
            $"from={Iso(Day1)}&to={Iso(Day2.AddDays(1))}&interval=1d&groupBy=version",
            $"from={Iso(Day1.AddHours(9))}&to={Iso(Day1.AddHours(12))}&interval=5m&groupBy=version,platform,notedHostname",
            $"from={Iso(Day1.AddHours(10))}&to={Iso(Day1.AddHours(11))}&interval=1m",
            $"from={Iso(Day1)}&to={Iso(Day2.AddHours(2))}&interval=1h&groupBy=hostname,diagnosis&platform=ios",
            $"from={Iso(Day1.AddHours(2))}&to={Iso(Day1.AddHours(3))}&interval=1m&groupBy=app",
            $"from={Iso(Day1.AddHours(2))}&to={Iso(Day1.AddHours(3))}&interval=1m&version=9.9.9",
        ];
        var rated = 0;
        foreach (var query in queries)
        {
            var response = await app.Reader.GetAsync("/v1/stats/failures?" + query, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            var streamed = await response.Content.ReadAsStringAsync(Ct);

            var http = new DefaultHttpContext { RequestServices = app.Services };
            http.Request.QueryString = new QueryString("?" + query);
            var objects = (await StatsEndpoints.GetFailuresAsync(http, app.Services.GetRequiredService<StatsStore>(), time, Ct)).Result;
            var serialised = JsonSerializer.Serialize(Assert.IsType<Ok<FailureStats>>(objects).Value, JsonSerializerOptions.Web);

            Assert.Equal(serialised, streamed);
            rated += JsonDocument.Parse(streamed).RootElement.GetProperty("series").EnumerateArray()
                .SelectMany(s => s.GetProperty("buckets").EnumerateArray()).Count(b => b.GetProperty("rateKnown").GetBoolean());
        }
        Assert.True(rated > 0, "no bucket had a known rate: the denominators were not exercised");
    }

    [Theory]
    [InlineData("interval=2m", "interval")]
    [InlineData("groupBy=version,colour", "groupBy")]
    [InlineData("from=2026-13-01T00:00:00Z", "from")]
    [InlineData("version=a&version=b", "version")]
    public async Task A_bad_query_is_a_problem_not_a_started_stream(string query, string parameter)
    {
        await using var app = await StartAsync(postgres);
        var response = await app.Reader.GetAsync("/v1/stats/failures?" + query, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(problem.RootElement.GetProperty("errors").EnumerateArray(), e => e.GetProperty("parameter").GetString() == parameter);
    }
}
