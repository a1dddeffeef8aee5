using PinReports.Simulation;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;
using static ReportApi.Domain.Tests.Alerting.Scenarios;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class BacktestTests(ITestOutputHelper output)
{
    private static readonly DetectorOptions Defaults = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Steady_noise_fires_nothing_over_a_simulated_week(int seed)
    {
        var result = Backtest.Run(Steady(seed), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        Assert.Equal(TimeSpan.FromDays(7), result.To - result.From);
        Assert.Equal(16, result.SeriesCount);
        Assert.Equal(16L * (7 * 24 * 60 + 1), result.Evaluations);
        Assert.Empty(result.Of(AlertTransition.Fire));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Rotation_breaking_5_percent_of_one_version_fires_within_two_evaluations_and_resolves(int seed)
    {
        var result = Backtest.Run(Rotation(seed), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        SeriesKey[] affected = [VersionSeries("3.2.1"), VersionHostSeries("3.2.1"), SeriesKey.ForHost(Api)];
        var end = RotationStart + RotationDuration;
        foreach (var series in affected)
        {
            var fire = Assert.Single(result.For(series), e => e.Transition == AlertTransition.Fire);
            Assert.InRange(fire.Time, RotationStart.AddMinutes(1), RotationStart.AddMinutes(2));
            Assert.StartsWith("server-rotation ", fire.Headline);
            Assert.Contains("new intermediate 'CN=Example Issuing CA 2, O=Example CA Inc, C=US' (SPKI "
                + TrafficScenario.RotatedChain.SpkiSha256 + ") not pinned", fire.Headline);
            // A host alert's share is of every failing version's devices (issue #14), a version alert's of its version.
            Assert.Matches(series.Level == SeriesLevel.Host ? @"\(\d+\.\d% of the \d+ active devices of " : @"\(\d+\.\d% of (com\.example\.bank )?3\.2\.1\)", fire.Headline);

            // Back to normal once the last failing minute leaves the window, then quiet for the whole quiet period.
            var resolve = Assert.Single(result.For(series), e => e.Transition == AlertTransition.Resolve);
            Assert.InRange(resolve.Time, end + Defaults.Window + Defaults.QuietPeriod, end + Defaults.Window + Defaults.QuietPeriod + TimeSpan.FromMinutes(10));

            // No flapping: between fire and resolve only repeats.
            Assert.All(result.For(series).Where(e => e.Time > fire.Time && e.Time < resolve.Time),
                e => Assert.Equal(AlertTransition.Repeat, e.Transition));
        }

        Assert.All(result.Of(AlertTransition.Fire), e => Assert.Contains(e.Series, affected));
    }

    [Fact]
    public void New_version_failing_below_the_first_seen_floor_does_not_fire_its_series()
    {
        // 30 devices with broken pins: above MinDevices, below FirstSeenMinDevices (the version has no history). The host
        // series judges the same devices against its own history, so it is not asserted here.
        var result = Backtest.Run(Launch(1, failingDevices: 30), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        Assert.Equal(19, result.SeriesCount);
        Assert.DoesNotContain(result.Of(AlertTransition.Fire), e => e.Series.Version == "3.3.0");
        Assert.DoesNotContain(result.Of(AlertTransition.Pending), e => e.Series.Version == "3.3.0");
    }

    [Fact]
    public void New_version_failing_above_the_first_seen_floor_fires_without_history()
    {
        var launchedAt = new DateTimeOffset(2025, 6, 12, 10, 0, 0, TimeSpan.Zero);
        var result = Backtest.Run(Launch(1, failingDevices: 150), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        foreach (var series in new[] { VersionSeries("3.3.0"), VersionHostSeries("3.3.0") })
        {
            var fire = Assert.Single(result.For(series), e => e.Transition == AlertTransition.Fire);
            Assert.Equal(SpikeRule.FirstSeen, fire.Rule);
            Assert.Equal(0, fire.BaselineMedian);
            Assert.InRange(fire.Time, launchedAt.AddMinutes(1), launchedAt.AddMinutes(3));
            Assert.StartsWith("client-config-error ", fire.Headline);
            Assert.Single(result.For(series), e => e.Transition == AlertTransition.Resolve);
        }
    }

    [Fact]
    public void Same_seed_replays_the_same_timeline()
    {
        var first = BacktestReport.Format(Backtest.Run(Rotation(7), Defaults));
        var second = BacktestReport.Format(Backtest.Run(Rotation(7), Defaults));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Report_prints_one_line_per_transition_and_the_totals()
    {
        var text = BacktestReport.Format(Backtest.Run(Rotation(1), Defaults));
        var lines = text.TrimEnd('\n').Split('\n');

        Assert.StartsWith("Replay 2025-06-09 00:00 → 2025-06-16 00:00: 16 series, 161296 evaluations, ", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("2025-06-10 09:02  Fire             version:com.example.bank/3.2.1 ", StringComparison.Ordinal)
            && l.Contains("server-rotation in com.example.bank 3.2.1: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("2025-06-10 23:20  Resolve          version:com.example.bank/3.2.1 ", StringComparison.Ordinal));
        Assert.Equal("3 fired, 3 resolved, 42 repeats, 0 pending spikes discarded", lines[^1]);
    }

    [Fact]
    public void Windows_count_distinct_devices_not_reports()
    {
        var scenario = Steady(1) with
        {
            Days = 1,
            BackgroundFailuresPerDeviceMinute = 0,
            InterceptionsPerHostHour = 0,
            Versions = [new SimulatedVersion("com.app", "1.0", 10, ["h.example"])],
            Launches = [new LaunchIncident("com.app", "1.0", "h.example", Steady(1).Start.AddMinutes(60), TimeSpan.FromMinutes(30), 10,
                TrafficScenario.ServingChain, DiagnosisCode.ClientConfigError)],
            IncidentReportProbability = 10, // every failing device reports every minute
        };

        var traffic = TrafficSimulation.Generate(scenario);
        var series = traffic.SeriesData.Single(s => s.Key == SeriesKey.ForVersion("com.app", "1.0"));
        var counts = series.WindowCounts(5);

        Assert.Equal(300, traffic.Failures); // 10 devices × 30 minutes
        Assert.Equal(0, counts[60]);
        Assert.Equal(10, counts[61]);
        Assert.All(Enumerable.Range(61, 34), end => Assert.Equal(10, counts[end]));
        Assert.Equal(0, counts[95]);
    }
}
