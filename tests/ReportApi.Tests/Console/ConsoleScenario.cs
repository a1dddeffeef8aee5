using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Pins;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Console;

/// <summary>
/// The alerting rotation scenario, fired: three firing alerts (host, version, version-host), 45 failing reports, the
/// pin inventory refreshed. What a responder opens the console to.
/// </summary>
internal static class ConsoleScenario
{
    public const string GrafanaBaseUrl = "https://grafana.example";

    public static async Task<AlertScenario> StartAsync(PostgresFixture postgres, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            // The manual clock sits at today 12:00 UTC; a day-long session outlives it whatever the real time.
            ["Console:SessionLifetime"] = "1.00:00:00",
            ["Notifications:GrafanaBaseUrl"] = GrafanaBaseUrl,
            ["Notifications:DispatcherEnabled"] = "false",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var scenario = await AlertScenario.StartAsync(postgres, all);
        await scenario.PostSpikeAsync(AlertScenario.T.AddMinutes(-1));
        await scenario.EvaluateAsync(AlertScenario.T.AddMinutes(-1), AlertScenario.T.AddMinutes(1));
        await scenario.Service.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, TestContext.Current.CancellationToken);
        return scenario;
    }

    public static async Task<long> AlertIdAsync(AlertScenario scenario, string seriesKey)
    {
        await using var command = scenario.Service.Db.CreateCommand("SELECT id FROM alerts WHERE series_key = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = seriesKey });
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public static async Task<string> StatusAsync(AlertScenario scenario, long id)
    {
        await using var command = scenario.Service.Db.CreateCommand("SELECT status FROM alerts WHERE id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>A new leaf under the rotated-to intermediate: a chain whose keys the version's pin does not name.</summary>
    public static string NewChainPem()
    {
        var now = DateTimeOffset.UtcNow;
        using var leaf = TestPki.Leaf(AlertScenario.Host, "console-leaf", AlertScenario.NewIntermediate, "alerting-int-2", now.AddDays(-1), now.AddDays(60));
        return leaf.ExportCertificatePem() + "\n" + AlertScenario.NewIntermediate.ExportCertificatePem() + "\n";
    }
}
