using System.Diagnostics;
using System.Text.RegularExpressions;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Deploy;

/// <summary>
/// The service's self-monitoring rules (deploy/prometheus/rules): valid for promtool, unit-tested by promtool against
/// synthetic series, loaded by the compose Prometheus, and naming only metrics the service really exports.
/// </summary>
public sealed partial class PrometheusRulesTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string Rules = RepositoryPaths.Of("deploy", "prometheus", "rules", "pinreports.rules.yml");

    [Fact]
    public async Task Promtool_accepts_the_rules_and_their_unit_tests_pass()
    {
        var promtool = FindPromtool();
        // .ci/run installs Debian's prometheus package (promtool); only a machine without it skips.
        Assert.SkipWhen(promtool is null, "promtool is not installed (Debian: apt-get install prometheus); the rules were not checked.");

        var check = await RunAsync(promtool!, "check", "rules", Rules);
        Assert.True(check.ExitCode == 0, $"promtool check rules failed:\n{check.Output}");
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);

        var test = await RunAsync(promtool!, "test", "rules", RepositoryPaths.Of("deploy", "prometheus", "tests", "pinreports.test.yml"));
        Assert.True(test.ExitCode == 0, $"promtool test rules failed:\n{test.Output}");
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_unit_test_and_the_compose_prometheus_loads_the_rules()
    {
        var alerts = AlertName().Matches(File.ReadAllText(Rules)).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Superset(new HashSet<string> { "PinReportsAlertEvaluatorStalled", "PinReportsNotificationBacklog", "PinReportsNotificationDeadLetters",
            "PinReportsIngestUnavailable", "PinReportsIngestRateLimited", "PinReportsIngestBacklog", "PinReportsPartitionMaintenanceFailing", "PinReportsNoReports" }, alerts);
        var tests = File.ReadAllText(RepositoryPaths.Of("deploy", "prometheus", "tests", "pinreports.test.yml"));
        foreach (var alert in alerts) Assert.Contains($"alertname: {alert}", tests, StringComparison.Ordinal);

        Assert.Contains("/etc/prometheus/rules/*.yml", File.ReadAllText(RepositoryPaths.Of("deploy", "prometheus.yml")), StringComparison.Ordinal);
        Assert.Contains("./prometheus/rules:/etc/prometheus/rules:ro", File.ReadAllText(RepositoryPaths.Of("deploy", "docker-compose.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_metric_the_rules_use_is_exported_by_the_service()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "rules");
        var report = ReportJson.Ios("api.bank.example", pki.Chain, ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""]);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);

        var used = Metric().Matches(File.ReadAllText(Rules)).Select(m => m.Value).ToHashSet();
        Assert.Contains("pinreports_maintenance_last_success_seconds", used);
        var exported = (await app.Client.GetStringAsync("/metrics", Ct)).Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('{', ' ')[0]).ToHashSet();
        foreach (var metric in used)
        {
            Assert.True(exported.Contains(metric), $"the rules use {metric}, which /metrics does not export");
        }
    }

    private static string? FindPromtool() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin")
            .Select(d => Path.Combine(d, "promtool")).FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"alert:\s*(\S+)")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"pinreports_[a-z_]+")]
    private static partial Regex Metric();
}
