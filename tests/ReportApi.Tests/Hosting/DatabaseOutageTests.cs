using System.Net;
using System.Net.Http.Json;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Hosting;

/// <summary>
/// With PostgreSQL stopped, the query API answers 503 + Retry-After (problem+json) like ingest, not 500, and /readyz
/// says "unreachable" without handing out the exception's text (issue 20.5). Owns a throwaway cluster to stop.
/// </summary>
public sealed class DatabaseOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Queries =
        ["/v1/reports", "/v1/reports/019abc00-0000-7000-8000-000000000000", "/v1/alerts", "/v1/pins", "/v1/stats/failures"];

    [Fact]
    public async Task Queries_answer_503_with_retry_after_while_the_database_is_down_and_readyz_hides_the_exception()
    {
        var bin = LocalCluster.FindBinDirectory();
        Assert.SkipWhen(bin is null, "This test stops PostgreSQL, so it needs the machine's initdb/pg_ctl to make a cluster of its own.");
        await using var cluster = await LocalCluster.CreateAsync(bin!);
        await using var app = TestApp.Start(await CreateDatabaseAsync(cluster), new Dictionary<string, string?>
        {
            ["Database:MigrateOnStartup"] = "true",
            ["Ingest:RetryAfterSeconds"] = "7",
        });
        foreach (var path in Queries)
        {
            var up = await app.Reader.GetAsync(path, Ct);
            Assert.True((int)up.StatusCode < 500, $"{path} answered {(int)up.StatusCode} with the database up");
        }

        await cluster.StopAsync();
        foreach (var path in Queries)
        {
            var down = await app.Reader.GetAsync(path, Ct);
            Assert.True(down.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path} answered {(int)down.StatusCode} with the database down");
            Assert.Equal(TimeSpan.FromSeconds(7), down.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        }

        var ready = await app.Client.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync(Ct);
        Assert.Equal("database-unreachable", (await ready.Content.ReadFromJsonAsync<Health>(Ct))!.Status);
        foreach (var revealing in new[] { cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1", "localhost", "Exception", "connect", "postgres" })
        {
            Assert.DoesNotContain(revealing, body, StringComparison.OrdinalIgnoreCase);
        }

        await cluster.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            status = (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode;
            if (status == HttpStatusCode.OK) break;
            await Task.Delay(250, Ct);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static async Task<string> CreateDatabaseAsync(LocalCluster cluster)
    {
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand("CREATE DATABASE pinreports", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        return new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString) { Database = "pinreports", Timeout = 3 }.ConnectionString;
    }

    private sealed record Health(string Status, string? Detail);
}
