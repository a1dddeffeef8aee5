using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PinReports.Simulator;
using ReportApi.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Simulator;

/// <summary>
/// Issue #6, item 5: the traffic simulator's rotation scenario (the same engine and HTTP client the console tool runs,
/// linked into this project) against the real service, with the simulator's root as the operator's trusted root.
/// </summary>
public sealed class SimulatorRotationTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotation_burst_is_stored_as_server_rotation_of_the_failing_versions_naming_the_new_intermediate()
    {
        var directory = Directory.CreateTempSubdirectory("pinreports-sim-").FullName;
        try
        {
            var pki = SimulatorPki.LoadOrCreate(directory);
            await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
            {
                ["Diagnosis:TrustedRootsFile"] = pki.RootsFile,
            });
            var fleet = new Fleet(pki, devices: 120, seed: 7);
            var start = DateTimeOffset.UtcNow;
            // Every device opens the app every second and the incident starts at once: one burst of reports.
            var engine = new ScenarioEngine(fleet, pki, new ScenarioOptions
            {
                Kind = ScenarioKind.Rotation,
                At = TimeSpan.Zero,
                SessionInterval = TimeSpan.FromSeconds(1),
                InterceptionsPerHour = 0,
                ConfigErrorsPerHour = 0,
                Seed = 7,
            }, start);
            var client = new ServiceClient(app.Client, TestApp.AdminKey, TestApp.ReaderKey);

            var reports = engine.Step(start).Concat(engine.Step(start.AddSeconds(1))).ToList();
            foreach (var report in reports)
            {
                Assert.Equal(HttpStatusCode.NoContent, await client.SendReportAsync(report, Ct));
            }

            // Exactly the devices of the versions without a pin on the new chain report, once (one a minute at most).
            var failing = fleet.Devices.Where(d => d.Release.Version is "3.1.0" or "3.2.1").ToList();
            Assert.Equal(failing.Count, reports.Count);
            Assert.All(reports, r => Assert.Equal("api.example.com", r.Hostname));
            Assert.Contains(reports, r => r.Device.Platform == DevicePlatform.Ios);
            Assert.Contains(reports, r => r.Device.Platform == DevicePlatform.Android);
            Assert.Equal(failing.Count, await app.CountAsync("SELECT count(*) FROM reports"));
            Assert.Equal(failing.Count, await app.CountAsync(
                "SELECT count(*) FROM reports WHERE diagnosis = 'server-rotation' AND app_version IN ('3.1.0', '3.2.1') AND hostname = 'api.example.com'"));
            Assert.Equal(failing.Count, await app.CountAsync("SELECT count(DISTINCT device_hash) FROM reports"));

            // Activity for today is accepted with the demo's admin role.
            var (activity, _) = await client.PostActivityAsync(fleet, DateOnly.FromDateTime(DateTime.UtcNow), Ct);
            Assert.True(activity is HttpStatusCode.OK or HttpStatusCode.NoContent, $"POST /v1/activity: {activity}");

            // The stored diagnosis names the new intermediate: in the validated chain and in the explanation.
            foreach (var platform in new[] { "IOS", "ANDROID" })
            {
                await using var command = app.Db.CreateCommand($"SELECT id::text FROM reports WHERE app_platform = '{platform}' LIMIT 1");
                var id = (string)(await command.ExecuteScalarAsync(Ct))!;
                using var details = JsonDocument.Parse(await app.Reader.GetStringAsync($"/v1/reports/{id}", Ct));
                var diagnosis = details.RootElement.GetProperty("diagnosis");
                Assert.Equal("server-rotation", diagnosis.GetProperty("code").GetString());
                Assert.Contains("Example Bank Issuing CA 2", diagnosis.GetProperty("explanation").GetString(), StringComparison.Ordinal);
                Assert.True(diagnosis.GetProperty("chainTrusted").GetBoolean());
                var validated = details.RootElement.GetProperty("chains").EnumerateArray().First(c => c.GetProperty("kind").GetString() == "validated");
                Assert.Equal(SimulatorPki.NewIntermediateSubject,
                    validated.GetProperty("certificates")[1].GetProperty("subject").GetString());
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Rotation_from_the_simulator_fires_a_first_seen_alert_listed_by_the_alerts_api()
    {
        var directory = Directory.CreateTempSubdirectory("pinreports-sim-").FullName;
        try
        {
            // Today 12:00 UTC (today's partitions exist in every test database); the server's clock is the test's.
            var t = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(12);
            var clock = new ManualClock(t.AddSeconds(-40));
            var pki = SimulatorPki.LoadOrCreate(directory);
            await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
            {
                ["Diagnosis:TrustedRootsFile"] = pki.RootsFile,
                ["Alerting:Evaluator:Enabled"] = "false", // the test evaluates chosen minutes itself
                // The simulator sends each device's address as X-Forwarded-For: a rotation fails devices on many networks,
                // which is what lets it page under the default Alerting:MinNetworksToPage (issue #22).
                ["Network:TrustedProxies:0"] = "127.0.0.1",
                ["Network:TrustedProxies:1"] = "::1",
            }, s => s.AddSingleton<TimeProvider>(clock));
            var fleet = new Fleet(pki, devices: 200, seed: 11);
            var engine = new ScenarioEngine(fleet, pki, new ScenarioOptions
            {
                Kind = ScenarioKind.Rotation,
                At = TimeSpan.Zero,
                SessionInterval = TimeSpan.FromSeconds(1),
                InterceptionsPerHour = 0,
                ConfigErrorsPerHour = 0,
                Seed = 11,
            }, clock.Now);
            var client = new ServiceClient(app.Client, TestApp.AdminKey, TestApp.ReaderKey);
            await client.PostActivityAsync(fleet, DateOnly.FromDateTime(t.UtcDateTime), Ct);
            var reports = engine.Step(clock.Now);
            Assert.True(reports.Count > 50, $"{reports.Count} failing devices: too few for the first-seen rule");
            foreach (var report in reports) Assert.Equal(HttpStatusCode.NoContent, await client.SendReportAsync(report, Ct));

            // The minute of the reports ends at t; a new series fires on its second spiking evaluation.
            var evaluator = app.Services.GetRequiredService<AlertEvaluator>();
            foreach (var minute in new[] { t, t.AddMinutes(1) })
            {
                clock.Now = minute.AddSeconds(15);
                await evaluator.EvaluateAsync(minute, Ct);
            }

            var (status, alerts) = await client.FiringAlertsAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, status);
            var host = Assert.Single(alerts, a => a.SeriesKey == "host:api.example.com");
            Assert.Equal("firing", host.Status);
            Assert.Matches(@" devices( \(.*\))? from \d{2,} networks fail since", host.Headline);
            Assert.Contains("server-rotation", host.Headline, StringComparison.Ordinal);
            Assert.DoesNotContain(alerts, a => a.SeriesKey.Contains("3.0.2", StringComparison.Ordinal) || a.SeriesKey.Contains("login", StringComparison.Ordinal));
            using var list = JsonDocument.Parse(await app.Reader.GetStringAsync("/v1/alerts?state=firing", Ct));
            var hostAlert = list.RootElement.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("seriesKey").GetString() == "host:api.example.com");
            Assert.Equal(SimulatorPki.NewIntermediateSubject, hostAlert.GetProperty("topChain").GetProperty("subject").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Pki_is_reused_across_runs_and_only_the_bank_root_is_trusted()
    {
        var directory = Directory.CreateTempSubdirectory("pinreports-sim-").FullName;
        try
        {
            var first = SimulatorPki.LoadOrCreate(directory);
            var second = SimulatorPki.LoadOrCreate(directory);
            Assert.Equal(first.Root.Cert.Thumbprint, second.Root.Cert.Thumbprint);
            Assert.Equal(first.NewIntermediate.Cert.Thumbprint, second.NewIntermediate.Cert.Thumbprint);
            var roots = File.ReadAllText(first.RootsFile);
            Assert.Equal(1, roots.Split("BEGIN CERTIFICATE").Length - 1);
            Assert.Contains(first.Root.Cert.ExportCertificatePem(), roots, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Reports_use_the_TrustKit_byte_formats_of_each_platform()
    {
        var directory = Directory.CreateTempSubdirectory("pinreports-sim-").FullName;
        try
        {
            var pki = SimulatorPki.LoadOrCreate(directory);
            var fleet = new Fleet(pki, devices: 60, seed: 3);
            var start = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
            var engine = new ScenarioEngine(fleet, pki, new ScenarioOptions
            {
                Kind = ScenarioKind.Expired, At = TimeSpan.Zero, SessionInterval = TimeSpan.FromSeconds(1),
                InterceptionsPerHour = 0, ConfigErrorsPerHour = 0,
            }, start);

            var reports = engine.Step(start);

            // Expired leaf: every version fails, validation-result 2.
            Assert.Equal(fleet.Devices.Count, reports.Count);
            var ios = System.Text.Encoding.UTF8.GetString(reports.First(r => r.Device.Platform == DevicePlatform.Ios).Body);
            var android = reports.First(r => r.Device.Platform == DevicePlatform.Android);
            var androidJson = System.Text.Encoding.UTF8.GetString(android.Body);
            Assert.Contains("\"app-platform-version\":", ios, StringComparison.Ordinal);
            Assert.Contains("\"known-pins-expiration-date\":\"", ios, StringComparison.Ordinal);
            Assert.Contains("\\r\\n", ios, StringComparison.Ordinal);
            Assert.Contains("-----END CERTIFICATE-----\"", ios, StringComparison.Ordinal);
            Assert.Contains("\"date-time\":\"2026-11-27T12:00:00Z\"", ios, StringComparison.Ordinal);
            Assert.Contains("\"validation-result\":2", ios, StringComparison.Ordinal);
            Assert.DoesNotContain("\\r\\n", androidJson, StringComparison.Ordinal);
            Assert.Contains("\"served-certificate-chain\":[", androidJson, StringComparison.Ordinal);
            Assert.Contains("-----END CERTIFICATE-----\\n\"", androidJson, StringComparison.Ordinal);
            var local = (start.UtcDateTime + android.Device.UtcOffset).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains($"\"date-time\":\"{local}\"", androidJson, StringComparison.Ordinal);
            Assert.Contains("\\/", ios, StringComparison.Ordinal); // "/" escaped like NSJSONSerialization and org.json
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
