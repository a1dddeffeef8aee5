using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Alerting;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// A CA rotation against steady traffic, through Postgres. A week of steady history for one version and host is
/// written straight into the rollups (one failing device a minute, seven devices in turn: five per window); then the
/// server starts presenting a new intermediate and <see cref="SpikeDevices"/> devices of that version report in the
/// minute before <see cref="T"/>, through HTTP. The first evaluation is at <see cref="T"/>.
/// </summary>
internal sealed class AlertScenario : IAsyncDisposable
{
    public const string Host = "api.bank.example";
    public const string App = "com.example.bank";
    public const string Version = "3.1.0";
    public const int SpikeDevices = 40;
    public const string WebhookSecret = "808ee070c4787d833276e417489e50855e8542866ea021c14f852c01bfc166d0";
    public const string RoutingKey = "R0UT1NGKEY0123456789abcdef012345";
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";

    /// <summary>Today 12:00 UTC: today's partitions exist in every test database.</summary>
    public static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(12);

    public static readonly string VersionHostKey = $"version-host:{App}/{Version}/{Host}";
    public static readonly string VersionKey = $"version:{App}/{Version}";
    public static readonly string HostKey = $"host:{Host}";

    private static readonly Lazy<(X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf)> Pki = new(() =>
    {
        var now = DateTimeOffset.UtcNow;
        var root = TestPki.Root("CN=Alerting Root CA, O=PinReports Tests", "alerting-root", now.AddYears(-5), now.AddYears(10));
        var intermediate = TestPki.Intermediate("CN=Alerting Issuing CA 2, O=PinReports Tests", "alerting-int-2", root, "alerting-root",
            now.AddDays(-2), now.AddYears(3));
        var leaf = TestPki.Leaf(Host, "alerting-leaf", intermediate, "alerting-int-2", now.AddDays(-1), now.AddDays(80));
        return (root, intermediate, leaf);
    });

    private readonly string _rootsFile;

    private AlertScenario(TestApp app, ManualClock clock, string rootsFile)
    {
        Service = app;
        Clock = clock;
        _rootsFile = rootsFile;
    }

    public TestApp Service { get; private set; }

    public ManualClock Clock { get; }

    /// <summary>The rotated-to intermediate: the certificate the alert must name.</summary>
    public static X509Certificate2 NewIntermediate => Pki.Value.Intermediate;

    public static string NewIntermediateSpki => TestPki.SpkiPin(Pki.Value.Intermediate);

    public AlertEvaluator Evaluator => Service.Services.GetRequiredService<AlertEvaluator>();

    /// <summary>Settings for every channel pointed at <paramref name="receiver"/>, with test-sized retry timing.</summary>
    public static Dictionary<string, string?> Channels(Receiver receiver) => new()
    {
        ["Notifications:Webhook:Url"] = receiver.Url("/webhook"),
        ["Notifications:Webhook:Secret"] = WebhookSecret,
        ["Notifications:Slack:WebhookUrl"] = receiver.Url("/slack"),
        ["Notifications:PagerDuty:RoutingKey"] = RoutingKey,
        ["Notifications:PagerDuty:Url"] = receiver.Url("/pagerduty"),
        ["Notifications:PublicBaseUrl"] = "https://pinreports.example",
        ["Notifications:PollInterval"] = "00:00:00.100",
        ["Notifications:InitialBackoff"] = "00:00:00.100",
        ["Notifications:MaxBackoff"] = "00:00:00.300",
        ["Notifications:Timeout"] = "00:00:02",
    };

    public static async Task<AlertScenario> StartAsync(PostgresFixture postgres, IDictionary<string, string?>? settings = null)
    {
        var clock = new ManualClock(T.AddMinutes(-30));
        var roots = Path.GetTempFileName();
        await File.WriteAllTextAsync(roots, Pki.Value.Root.ExportCertificatePem(), TestContext.Current.CancellationToken);
        var app = await TestApp.StartAsync(postgres, Settings(roots, settings), s => s.AddSingleton<TimeProvider>(clock));
        var scenario = new AlertScenario(app, clock, roots);
        await scenario.SeedHistoryAsync();
        return scenario;
    }

    /// <summary>Stops the service and starts a new one on the same database (a restart, or another replica).</summary>
    public void Restart(IDictionary<string, string?>? settings = null)
    {
        var connectionString = Service.ConnectionString;
        Service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Service = TestApp.Start(connectionString, Settings(_rootsFile, settings), configureServices: s => s.AddSingleton<TimeProvider>(Clock));
    }

    private static Dictionary<string, string?> Settings(string roots, IDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Diagnosis:TrustedRootsFile"] = roots,
            // The tests evaluate chosen minutes themselves.
            ["Alerting:Evaluator:Enabled"] = "false",
            // Every report of these tests comes from loopback, one source network, and the seeded history has no network
            // sets: the independent-evidence check (default 5, issue #22) is off here and tested in EvidenceTests.
            ["Alerting:MinNetworksToPage"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }

    /// <summary>
    /// One failing device per minute (seven devices in turn) around this time of day on each of the last seven days, and
    /// today before and after <see cref="T"/>, written straight into the rollups: the baseline without a week of HTTP.
    /// </summary>
    private async Task SeedHistoryAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var today = DateOnly.FromDateTime(T.UtcDateTime);
        for (var day = today.AddDays(-8); day <= today; day = day.AddDays(1))
        {
            await using var create = Service.Db.CreateCommand(PartitionSql.CreateDay(day));
            await create.ExecuteNonQueryAsync(ct);
        }

        int seriesId;
        await using (var insert = Service.Db.CreateCommand("""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            VALUES ($1, $2, 'IOS', $3, $3, 'unknown', 1, $4) RETURNING id
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = App });
            insert.Parameters.Add(new NpgsqlParameter { Value = Version });
            insert.Parameters.Add(new NpgsqlParameter { Value = Host });
            insert.Parameters.Add(new NpgsqlParameter { Value = T.AddDays(-8), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            seriesId = (int)(await insert.ExecuteScalarAsync(ct))!;
        }

        var minutes = new List<DateTimeOffset>();
        for (var day = 0; day <= 7; day++)
        {
            for (var m = -30; m < 60; m++) minutes.Add(T.AddDays(-day).AddMinutes(m));
        }
        await using var rows = Service.Db.CreateCommand("""
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT b, $2, 1000 + (extract(epoch FROM b)::bigint / 60) % 7 FROM unnest($1::timestamptz[]) AS b
            """);
        rows.Parameters.Add(new NpgsqlParameter { Value = minutes.Select(m => m.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        rows.Parameters.Add(new NpgsqlParameter { Value = seriesId, NpgsqlDbType = NpgsqlDbType.Integer });
        await rows.ExecuteNonQueryAsync(ct);
    }

    /// <summary><paramref name="devices"/> devices of the version fail against the rotated chain in <paramref name="minute"/>.</summary>
    public async Task PostSpikeAsync(DateTimeOffset minute, int devices = SpikeDevices, string prefix = "spike", string version = Version)
    {
        var (root, intermediate, leaf) = Pki.Value;
        Clock.Now = minute.AddSeconds(10);
        var reports = new JsonArray();
        for (var i = 0; i < devices; i++)
        {
            reports.Add(ReportJson.Ios(Host, [leaf, intermediate, root], [Pin], vendorId: $"{prefix}-{i}", appVersion: version,
                dateTime: minute.AddSeconds(i % 50).ToString("yyyy-MM-ddTHH:mm:ssZ"), bundleId: App));
        }
        var response = await Service.Client.PostReportAsync(reports, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Evaluates each minute from <paramref name="from"/> to <paramref name="to"/> inclusive, with the clock there.</summary>
    public async Task<List<AlertEvaluation>> EvaluateAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var results = new List<AlertEvaluation>();
        for (var minute = from; minute <= to; minute = minute.AddMinutes(1))
        {
            Clock.Now = minute.AddSeconds(15);
            results.Add(await Evaluator.EvaluateAsync(minute, TestContext.Current.CancellationToken));
        }
        return results;
    }

    /// <summary>(series key, event) of every outbox row of one channel, in order.</summary>
    public async Task<List<(string Series, string Event)>> OutboxAsync(string channel)
    {
        await using var command = Service.Db.CreateCommand("""
            SELECT a.series_key, o.event FROM notification_outbox o JOIN alerts a ON a.id = o.alert_id WHERE o.channel = $1 ORDER BY o.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = channel });
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken)) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    /// <summary>Waits (real time, bounded) until every outbox row is delivered.</summary>
    public async Task WaitForDeliveryAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (await Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL") > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Notifications were not delivered in time.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        File.Delete(_rootsFile);
    }
}
