using Npgsql;
using ReportApi.Data;
using ReportApi.Hosting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.ScaleOut;

/// <summary>
/// Issue #16's configuration: the failover connection string form builds (Npgsql refuses Target Session Attributes on a
/// multi-host data source, <see cref="DataSourceFactory"/> moves it to the wrapper), a wrong attribute or interval stops
/// start-up naming the key, and the failover exceptions Npgsql throws count as "database unavailable" (503).
/// </summary>
public sealed class ScaleOutConfigurationTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_list_with_target_session_attributes_connects_to_the_primary()
    {
        var single = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync());
        // The first host refuses connections (a free port nobody listens on); the second is the test server.
        var multi = new NpgsqlConnectionStringBuilder(single.ConnectionString)
        {
            Host = $"127.0.0.1:{PostgresServer.FreeTcpPort()},{single.Host}:{single.Port}",
            TargetSessionAttributes = "primary",
        };
        await using var dataSource = DataSourceFactory.Build(multi.ConnectionString, "test", "ConnectionStrings:Postgres");
        await using var command = dataSource.CreateCommand("SELECT NOT pg_is_in_recovery()");
        Assert.Equal(true, await command.ExecuteScalarAsync(Ct));

        await using var app = TestApp.Start(multi.ConnectionString);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.Reader.GetAsync("/v1/reports", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("ConnectionStrings:Postgres", "Host=127.0.0.1:1,127.0.0.1:2;Target Session Attributes=sideways;Username=x")]
    [InlineData("ConnectionStrings:PostgresReadOnly", "Host=127.0.0.1:1,127.0.0.1:2;Target Session Attributes=sideways;Username=x")]
    [InlineData("Database:MaintenanceInterval", "00:00:00")]
    [InlineData("Database:ReplicaLagInterval", "1.00:00:00")]
    public async Task A_bad_value_stops_start_up_naming_the_key(string key, string value)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key == "ConnectionStrings:Postgres") connectionString = value;
        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, settings)).ToString();
        Assert.Contains(key.Split(':')[^1], error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exceptions_of_a_failover_gap_mean_database_unavailable()
    {
        // NpgsqlMultiHostDataSource: every host down or, by its cached state, not a primary.
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new NpgsqlException("No suitable host was found.")));
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(new NpgsqlException("Unable to connect to a suitable host. Check inner exception for more details.",
            new AggregateException(new NpgsqlException("Failed to connect to 127.0.0.1:1", new System.Net.Sockets.SocketException(111))))));
        // Other Npgsql errors stay errors: a bug must not hide behind a 503.
        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new NpgsqlException("Something else went wrong.")));
        Assert.False(DatabaseUnavailableHandler.IsUnavailable(new InvalidOperationException("No suitable host was found.")));
    }
}
