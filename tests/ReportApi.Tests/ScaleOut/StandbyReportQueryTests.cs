using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ReportApi.Tests.Infrastructure;
using ReportApi.Tests.Query;

namespace ReportApi.Tests.ScaleOut;

/// <summary>
/// Issue #16: every test of <see cref="ReportQueryTests"/> again with <c>ConnectionStrings:PostgresReadOnly</c> pointing at
/// a streaming standby, so list, filters, paging, CSV, details and the 4xx answers are served from the standby. Ingest
/// still writes to the primary; the pair commits with remote_apply, so the tests' post-then-read holds.
/// </summary>
public sealed class StandbyReportQueryTests(PostgresFixture postgres, StandbyPair pair) : ReportQueryTests(postgres), IClassFixture<StandbyPair>
{
    protected override async Task<TestApp> StartAppAsync(IDictionary<string, string?>? settings = null)
    {
        var (primary, standby) = await pair.CreateDatabaseAsync();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:PostgresReadOnly"] = standby,
        };
        return TestApp.Start(primary, all);
    }

    /// <summary>The inherited tests prove something only if their reads really took the standby route.</summary>
    [Fact]
    public async Task The_read_route_of_these_tests_is_the_standby_and_writes_go_to_the_primary()
    {
        await using var app = await StartAppAsync();
        var ct = TestContext.Current.CancellationToken;

        await using var onRead = app.Services.GetRequiredKeyedService<NpgsqlDataSource>(ReportApi.Data.ReadRoute.Key).CreateCommand("SELECT pg_is_in_recovery()");
        await using var onPrimary = app.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT pg_is_in_recovery()");

        Assert.True((bool)(await onRead.ExecuteScalarAsync(ct))!);
        Assert.False((bool)(await onPrimary.ExecuteScalarAsync(ct))!);
    }
}
