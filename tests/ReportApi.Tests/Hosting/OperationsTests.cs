using System.Net;
using System.Net.Http.Json;
using Npgsql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Hosting;

public sealed class OperationsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_on_a_migrated_database()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/healthz", ct)).StatusCode);
        var ready = await app.Client.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", (await ready.Content.ReadFromJsonAsync<HealthBody>(ct))!.Status);
    }

    [Fact]
    public async Task Readyz_answers_503_when_the_database_is_not_migrated()
    {
        var name = "empty_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString))
        {
            await admin.OpenAsync(TestContext.Current.CancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        await using var app = TestApp.Start(postgres.DatabaseConnectionString(name, pooling: true));

        var ready = await app.Client.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not-migrated", (await ready.Content.ReadFromJsonAsync<HealthBody>(TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task Service_refuses_to_start_without_a_device_id_key_outside_development()
    {
        var connectionString = await postgres.CreateDatabaseAsync();

        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, new Dictionary<string, string?> { ["Privacy:DeviceIdKey"] = "" }));

        Assert.Contains("Privacy:DeviceIdKey", error.ToString(), StringComparison.Ordinal);
    }

    private sealed record HealthBody(string Status, string? Detail);
}
