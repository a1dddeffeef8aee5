using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReportApi.Domain.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>The evaluator end to end through Postgres: rollups in, alert rows and outbox rows out, the API on top.</summary>
public sealed class AlertEvaluationTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = AlertScenario.T;

    [Fact]
    public async Task Steady_traffic_fires_nothing_and_a_rotation_fires_on_the_second_evaluation_naming_the_new_intermediate_then_resolves()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Alerting:QuietPeriod"] = "00:05:00";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);

        // Steady history and steady traffic today: nothing happens for a quiet half hour.
        var quiet = await scenario.EvaluateAsync(T.AddMinutes(-30), T.AddMinutes(-2));
        Assert.All(quiet, e => Assert.False(e.Skipped));
        Assert.Empty(quiet.SelectMany(e => e.Decisions));

        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        var first = (await scenario.EvaluateAsync(T.AddMinutes(-1), T)).Last();
        Assert.Equal(3, first.Of(AlertTransition.Pending).Count); // host, version and version-host all spike
        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM alerts WHERE status = 'pending'"));
        Assert.Equal(0, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox"));

        var second = (await scenario.EvaluateAsync(T.AddMinutes(1), T.AddMinutes(1))).Single();
        Assert.Equal(3, second.Of(AlertTransition.Fire).Count);
        Assert.Equal(9, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE event = 'trigger'")); // 3 series × 3 channels

        var firing = await AlertsAsync(scenario.Service, "firing");
        var alert = firing.Single(a => a.GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey);
        var headline = alert.GetProperty("headline").GetString()!;
        Assert.StartsWith("server-rotation on api.bank.example in com.example.bank 3.1.0: 45 devices", headline, StringComparison.Ordinal);
        Assert.Contains("CN=Alerting Issuing CA 2", headline, StringComparison.Ordinal);
        Assert.Contains(AlertScenario.NewIntermediateSpki, headline, StringComparison.Ordinal);
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal(45, alert.GetProperty("windowDevices").GetInt32());
        Assert.Equal(5, alert.GetProperty("baselineMedian").GetDouble());
        Assert.Equal(T, alert.GetProperty("firstEvaluation").GetDateTimeOffset());
        Assert.Equal(T.AddMinutes(1), alert.GetProperty("lastEvaluation").GetDateTimeOffset());
        Assert.Equal(T.AddMinutes(1), alert.GetProperty("firedAt").GetDateTimeOffset());
        Assert.Equal(40, alert.GetProperty("diagnosisMix").GetProperty("server-rotation").GetInt32());
        Assert.Equal(5, alert.GetProperty("diagnosisMix").GetProperty("unknown").GetInt32());
        var chain = alert.GetProperty("topChain");
        Assert.Equal("intermediate", chain.GetProperty("role").GetString());
        Assert.Equal(AlertScenario.NewIntermediate.Subject, chain.GetProperty("subject").GetString());
        Assert.Equal("CN=Alerting Root CA, O=PinReports Tests", chain.GetProperty("issuer").GetString());
        Assert.Equal(AlertScenario.NewIntermediateSpki, chain.GetProperty("spkiSha256").GetString());
        Assert.Equal(40, chain.GetProperty("devices").GetInt32());
        Assert.Equal("3.1.0", alert.GetProperty("topVersions")[0].GetProperty("version").GetString());
        Assert.Contains("roll the server back", alert.GetProperty("action").GetString(), StringComparison.Ordinal);

        // The spike leaves the window at T+5; clear for the 5-minute quiet period, it resolves at T+10.
        var after = await scenario.EvaluateAsync(T.AddMinutes(2), T.AddMinutes(12));
        var resolved = after.Single(e => e.Of(AlertTransition.Resolve).Count > 0);
        Assert.Equal(T.AddMinutes(10), resolved.Minute);
        Assert.Equal(3, resolved.Of(AlertTransition.Resolve).Count);
        Assert.Empty(await AlertsAsync(scenario.Service, "firing"));
        var done = (await AlertsAsync(scenario.Service, "resolved")).Single(a => a.GetProperty("seriesKey").GetString() == AlertScenario.VersionHostKey);
        Assert.StartsWith("Resolved: server-rotation", done.GetProperty("headline").GetString(), StringComparison.Ordinal);
        Assert.Equal(T.AddMinutes(10), done.GetProperty("resolvedAt").GetDateTimeOffset());
        // The quiet window has no chain; the incident's is kept for the record.
        Assert.Equal(AlertScenario.NewIntermediateSpki, done.GetProperty("topChain").GetProperty("spkiSha256").GetString());
        Assert.Equal(9, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE event = 'resolve'"));
    }

    [Fact]
    public async Task A_minute_evaluated_twice_or_by_two_replicas_at_once_fires_once()
    {
        await using var receiver = await Receiver.StartAsync();
        var settings = AlertScenario.Channels(receiver);
        settings["Notifications:DispatcherEnabled"] = "false";
        await using var scenario = await AlertScenario.StartAsync(postgres, settings);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => scenario.Evaluator.EvaluateAsync(T.AddMinutes(1), Ct)));
        Assert.Single(concurrent, e => !e.Skipped);
        var again = await scenario.Evaluator.EvaluateAsync(T.AddMinutes(1), Ct);
        Assert.True(again.Skipped);
        Assert.True((await scenario.Evaluator.EvaluateAsync(T, Ct)).Skipped);

        // A second replica (a new process on the same database) finds the minute done too.
        scenario.Restart(settings);
        Assert.True((await scenario.Evaluator.EvaluateAsync(T.AddMinutes(1), Ct)).Skipped);

        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM alerts"));
        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM alerts WHERE status = 'firing'"));
        Assert.Equal(3, await scenario.Service.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'pagerduty'"));
        Assert.Equal(2, await scenario.Service.CountAsync("SELECT count(*) FROM alert_evaluations"));
    }

    [Fact]
    public async Task The_database_allows_one_open_alert_per_series()
    {
        await using var scenario = await AlertScenario.StartAsync(postgres);
        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T);
        await using var twin = scenario.Service.Db.CreateCommand("""
            INSERT INTO alerts (series_key, level, status, opened_at, last_evaluated_at, window_devices, peak_devices, baseline_median,
                state, headline, summary, action)
            SELECT series_key, level, 'firing', opened_at, last_evaluated_at, 0, 0, 0, state, '', '', '' FROM alerts LIMIT 1
            """);
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => twin.ExecuteNonQueryAsync(Ct));
        Assert.Equal("ux_alerts_open_series_key", error.ConstraintName);
    }

    [Fact]
    public async Task A_new_version_pages_without_history_only_above_the_first_seen_floor()
    {
        await using var scenario = await AlertScenario.StartAsync(postgres);
        // A brand-new version has no baseline: 30 failing devices stay below FirstSeenMinDevices (50), 60 page.
        await scenario.PostSpikeAsync(T.AddMinutes(-1), devices: 30, prefix: "small", version: "3.2.0");
        await scenario.PostSpikeAsync(T.AddMinutes(-1), devices: 60, prefix: "big", version: "3.3.0");
        var decisions = (await scenario.EvaluateAsync(T, T.AddMinutes(1))).SelectMany(e => e.Decisions).ToList();
        var fired = decisions.Where(d => d.Transition == AlertTransition.Fire && d.State!.Series.Level == SeriesLevel.Version)
            .Select(d => d.State!.Series.ToString()).ToList();
        Assert.Equal(["version:com.example.bank/3.3.0"], fired);
        Assert.Equal(SpikeRule.FirstSeen, decisions.First(d => d.State!.Series.ToString() == "version:com.example.bank/3.3.0").Assessment.Rule);
        Assert.DoesNotContain(decisions, d => d.State!.Series.ToString() == "version:com.example.bank/3.2.0");
    }

    [Theory]
    [InlineData("Notifications:Webhook:Url", "not a url", "Notifications:Webhook:Url must be an absolute http or https URL")]
    [InlineData("Notifications:Webhook:Url", "ftp://hooks.example/x", "Notifications:Webhook:Url must be an absolute http or https URL")]
    [InlineData("Notifications:Webhook:Url", "https://hooks.example/x", "Notifications:Webhook:Secret is required")]
    [InlineData("Notifications:Slack:WebhookUrl", "hooks.slack.com/services/x", "Notifications:Slack:WebhookUrl must be an absolute")]
    [InlineData("Notifications:GrafanaBaseUrl", "grafana:3000", "Notifications:GrafanaBaseUrl must be an absolute http or https URL")]
    [InlineData("Notifications:RunbookBaseUrl", "docs/runbook.md", "Notifications:RunbookBaseUrl must be an absolute http or https URL")]
    [InlineData("Alerting:MinDevices", "-1", "Alerting:MinDevices must be >= 1 (was -1)")]
    [InlineData("Alerting:RatioFloor", "-3", "Alerting:RatioFloor must be >= 1")]
    public async Task Bad_configuration_stops_start_up_naming_the_key(string key, string value, string message)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(connectionString, new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_validates_state_and_ids_and_acknowledges_only_firing_alerts_idempotently()
    {
        await using var scenario = await AlertScenario.StartAsync(postgres);
        var app = scenario.Service;
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/v1/alerts", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Reader.PostAsync("/v1/alerts/1/acknowledge", null, Ct)).StatusCode);
        var bad = await app.Reader.GetAsync("/v1/alerts?state=open", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.PostAsync("/v1/alerts/424242/acknowledge", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PostAsync("/v1/alerts/abc/acknowledge", null, Ct)).StatusCode);

        await scenario.PostSpikeAsync(T.AddMinutes(-1));
        await scenario.EvaluateAsync(T, T);
        var pendingId = await app.CountAsync($"SELECT id FROM alerts WHERE series_key = '{AlertScenario.VersionHostKey}'");
        // Pending: not yet notified, so nothing to acknowledge; and not listed as firing.
        var conflict = await app.Admin.PostAsync($"/v1/alerts/{pendingId}/acknowledge", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await AlertsAsync(app, "firing"));
        Assert.Equal(3, (await AlertsAsync(app, "all")).Count);

        await scenario.EvaluateAsync(T.AddMinutes(1), T.AddMinutes(1));
        scenario.Clock.Now = T.AddMinutes(1).AddSeconds(40);
        var ack = await app.Admin.PostAsync($"/v1/alerts/{pendingId}/acknowledge", null, Ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var body = await ack.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("acknowledged", body.GetProperty("status").GetString());
        Assert.Equal("release-bot", body.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(T.AddMinutes(1).AddSeconds(40), body.GetProperty("acknowledgedAt").GetDateTimeOffset());

        scenario.Clock.Now = T.AddMinutes(1).AddSeconds(50);
        var twice = await app.Admin.PostAsync($"/v1/alerts/{pendingId}/acknowledge", null, Ct);
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Equal(T.AddMinutes(1).AddSeconds(40), (await twice.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("acknowledgedAt").GetDateTimeOffset());
        // Acknowledged still counts as firing (it is open); it now evaluates on without losing the acknowledgement.
        Assert.Contains(await AlertsAsync(app, "firing"), a => a.GetProperty("status").GetString() == "acknowledged");
        await scenario.EvaluateAsync(T.AddMinutes(2), T.AddMinutes(2));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE id = {pendingId} AND status = 'acknowledged'"));
    }

    [Fact]
    public void The_replay_command_prints_the_rotation_firing_and_resolving()
    {
        using var output = new StringWriter();
        Assert.Equal(0, PinReports.Simulation.ReplayCommand.Run(["replay", "--days", "2", "--scenario", "rotation"], output));
        var text = output.ToString();
        Assert.Contains("Fire", text, StringComparison.Ordinal);
        Assert.Contains("Resolved: server-rotation", text, StringComparison.Ordinal);
        Assert.Contains("3 fired, 3 resolved", text, StringComparison.Ordinal);

        using var steady = new StringWriter();
        Assert.Equal(0, PinReports.Simulation.ReplayCommand.Run(["replay", "--days", "2", "--scenario", "steady"], steady));
        Assert.Contains("0 fired, 0 resolved", steady.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, PinReports.Simulation.ReplayCommand.Run(["replay", "--scenario", "bogus"], TextWriter.Null));
    }

    internal static async Task<List<JsonElement>> AlertsAsync(TestApp app, string state)
    {
        var body = await app.Reader.GetFromJsonAsync<JsonElement>($"/v1/alerts?state={state}", Ct);
        Assert.Equal(state, body.GetProperty("state").GetString());
        return [.. body.GetProperty("items").EnumerateArray()];
    }
}
