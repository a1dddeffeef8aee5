using Microsoft.Extensions.DependencyInjection;
using ReportApi.Alerting;
using ReportApi.Alerting.Backtesting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// Issue #19: minutes nobody evaluated (every replica down) are evaluated late, in order. The traced week of
/// <see cref="BacktestTests"/> has a rotation in T−1..T+2 that fires at T+1 and resolves at T+13; the evaluator is "down"
/// from T−2 and catches up at a chosen minute.
/// </summary>
public sealed class CatchUpTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(-12);
    private static readonly string Rotated = $"version-host:com.example.bank/3.1.0/api.bank.example";

    private async Task<TestApp> StartAsync(Receiver receiver, string? catchUpWindow = null)
    {
        var settings = AlertScenario.Channels(receiver);
        settings["Alerting:Evaluator:Enabled"] = "false";
        settings["Alerting:QuietPeriod"] = "00:05:00";
        settings["Notifications:DispatcherEnabled"] = "false";
        if (catchUpWindow is not null) settings["Alerting:Evaluator:CatchUpWindow"] = catchUpWindow;
        var app = await TestApp.StartAsync(postgres, settings);
        await app.Services.GetRequiredService<TraceWriter>().WriteAsync(BacktestTests.Week(), Ct);
        // Up and evaluating before the outage.
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();
        for (var m = T.AddMinutes(-10); m < T.AddMinutes(-2); m = m.AddMinutes(1)) await evaluator.EvaluateAsync(m, Ct);
        return app;
    }

    private static async Task<long> OutboxAsync(TestApp app, string series, string @event, string? channel = null) =>
        await app.CountAsync($"""
            SELECT count(*) FROM notification_outbox o JOIN alerts a ON a.id = o.alert_id
            WHERE a.series_key = '{series}' AND o.event = '{@event}' {(channel is null ? "" : $"AND o.channel = '{channel}'")}
            """);

    [Fact]
    public async Task A_rotation_that_started_during_an_outage_opens_its_alert_once_late_and_pages_once()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = await StartAsync(receiver);
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();

        // Back at T+10: T−2..T+9 were never evaluated. They are, in order, then T+10.
        var caughtUp = await evaluator.CatchUpAsync(T.AddMinutes(10), Ct);
        Assert.Equal(13, caughtUp.Count);
        Assert.Equal(T.AddMinutes(-2), caughtUp[0].Minute);
        Assert.All(caughtUp, e => Assert.False(e.Skipped));
        Assert.Equal(13, await app.CountAsync($"SELECT count(*) FROM alert_evaluations WHERE minute >= '{T.AddMinutes(-2):O}' AND minute <= '{T.AddMinutes(10):O}'"));

        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE series_key = '{Rotated}'"));
        Assert.Equal(1, await app.CountAsync(
            $"SELECT count(*) FROM alerts WHERE series_key = '{Rotated}' AND status = 'firing' AND opened_at = '{T:O}' AND fired_at = '{T.AddMinutes(1):O}'"));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE series_key = '{Rotated}' AND summary LIKE '%Evaluated late%'"));
        // One page per channel, sent at the end of the catch-up, and it says it is late.
        Assert.Equal(3, await OutboxAsync(app, Rotated, "trigger"));
        Assert.Equal(1, await app.CountAsync(
            $"SELECT count(*) FROM notification_outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.series_key = '{Rotated}' AND o.channel = 'pagerduty' AND o.payload::text LIKE '%Evaluated late%'"));

        // Running again, and the minutes after, evaluate nothing twice: still one alert, one page; it resolves on time.
        Assert.True((await evaluator.CatchUpAsync(T.AddMinutes(10), Ct)).Single().Skipped);
        for (var m = T.AddMinutes(11); m <= T.AddMinutes(15); m = m.AddMinutes(1)) Assert.Single(await evaluator.CatchUpAsync(m, Ct));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE series_key = '{Rotated}'"));
        Assert.Equal(3, await OutboxAsync(app, Rotated, "trigger"));
        Assert.Equal(3, await OutboxAsync(app, Rotated, "resolve"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE event = 'missed'"));
    }

    [Fact]
    public async Task An_incident_that_fired_and_resolved_during_the_outage_pages_nobody_and_is_summarised_once()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = await StartAsync(receiver);
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();

        // Back at T+20: the rotation fired at T+1 and resolved at T+13, all while down.
        Assert.Equal(23, (await evaluator.CatchUpAsync(T.AddMinutes(20), Ct)).Count);
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM alerts WHERE series_key = '{Rotated}' AND status = 'resolved' AND fired_at IS NOT NULL"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE event IN ('trigger', 'repeat', 'resolve')"));
        // One summary on each non-paging channel, naming every missed series; PagerDuty gets nothing.
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE event = 'missed'"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM notification_outbox WHERE channel = 'pagerduty'"));
        Assert.Equal(1, await app.CountAsync(
            $"SELECT count(*) FROM notification_outbox WHERE event = 'missed' AND channel = 'slack' AND payload::text LIKE '%Missed while the evaluator was down%{Rotated}%'"));
    }

    [Fact]
    public async Task Catch_up_is_bounded_by_its_window()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = await StartAsync(receiver, catchUpWindow: "00:10:00");
        var evaluator = app.Services.GetRequiredService<AlertEvaluator>();

        // Only T+10..T+19 are caught up at T+20; the rotation's minutes stay unevaluated and open nothing.
        var caughtUp = await evaluator.CatchUpAsync(T.AddMinutes(20), Ct);
        Assert.Equal(T.AddMinutes(10), caughtUp[0].Minute);
        Assert.Equal(11, caughtUp.Count);
        Assert.Equal(0, await app.CountAsync($"SELECT count(*) FROM alert_evaluations WHERE minute = '{T:O}'"));
        Assert.Equal(0, await app.CountAsync($"SELECT count(*) FROM alerts WHERE fired_at IS NOT NULL"));
    }
}
