using PinReports.Simulation;
using ReportApi.Domain.Alerting;
using static ReportApi.Domain.Tests.Alerting.Scenarios;

namespace ReportApi.Domain.Tests.Alerting;

/// <summary>
/// Issue #22: a page needs devices from independent networks. The simulated fleet reports from shared (carrier NAT) and
/// household networks; a forger mints device ids at will but posts from few networks.
/// </summary>
public sealed class EvidenceBacktestTests(ITestOutputHelper output)
{
    private static readonly DetectorOptions Defaults = new();
    private static readonly DateTimeOffset ForgeryStart = new(2025, 6, 11, 3, 0, 0, TimeSpan.Zero);

    private static TrafficScenario Forged(int seed, int devices, int networks, string version = "3.1.0") => Steady(seed) with
    {
        Forgeries = [new ForgedBurst(Bank, version, Api, ForgeryStart, TimeSpan.FromMinutes(20), devices, networks)],
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Forged_burst_of_70_devices_from_one_network_pages_nobody_and_shows_as_suspicious(int seed)
    {
        var result = Backtest.Run(Forged(seed, devices: 70, networks: 1), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        Assert.Empty(result.Of(AlertTransition.Fire));
        var suspect = Assert.Single(result.For(VersionHostSeries("3.1.0")), e => e.Transition == AlertTransition.Suspect);
        Assert.InRange(suspect.Time, ForgeryStart.AddMinutes(1), ForgeryStart.AddMinutes(3));
        // The forger's one network plus the odd background failure from elsewhere.
        Assert.Matches(@"^Suspicious: 7\d devices from [1-4] networks? on api\.example\.com in com\.example\.bank 3\.1\.0 \(unknown\) since 03:00 UTC — not paged", suspect.Headline);
        // It closes on its own, silently.
        Assert.Single(result.For(VersionHostSeries("3.1.0")), e => e.Transition == AlertTransition.Resolve);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Same_burst_spread_over_many_networks_pages(int seed)
    {
        var result = Backtest.Run(Forged(seed, devices: 70, networks: 70), Defaults);
        output.WriteLine(BacktestReport.Format(result));

        var fire = Assert.Single(result.For(VersionHostSeries("3.1.0")), e => e.Transition == AlertTransition.Fire);
        Assert.InRange(fire.Time, ForgeryStart.AddMinutes(1), ForgeryStart.AddMinutes(2));
        Assert.Contains(" from 7", fire.Headline);
    }

    [Fact]
    public void A_forger_needs_the_minimum_plus_the_baseline_in_networks()
    {
        // Four networks are below MinNetworksToPage (5) on their own: suspicious, never a page.
        var few = Backtest.Run(Forged(1, devices: 70, networks: 4), Defaults);
        Assert.DoesNotContain(few.Of(AlertTransition.Fire), e => e.Series == VersionHostSeries("3.1.0"));
        Assert.Contains(few.Of(AlertTransition.Suspect), e => e.Series == VersionHostSeries("3.1.0"));
    }

    /// <summary>
    /// The figures behind the default of <see cref="DetectorOptions.MinNetworksToPage"/>: at every page of the real-shaped
    /// incidents (rotations of 1% and 5%, a broken launch of 60 devices, five seeds each), how many networks the devices
    /// came from beyond the baseline median. The smallest must stay well above the default.
    /// </summary>
    [Fact]
    public void Real_incidents_page_from_far_more_networks_than_the_default_needs()
    {
        var margins = new List<(string Scenario, double Excess, int Devices, int Networks)>();
        foreach (var seed in Enumerable.Range(1, 5))
        {
            foreach (var (name, scenario) in new[]
            {
                ("rotation 5%", Rotation(seed)), ("rotation 1%", Rotation(seed, 0.01)), ("launch 60", Launch(seed, failingDevices: 60)),
            })
            {
                // Off: where the real incidents would page without the check, and from how many networks.
                var result = Backtest.Run(scenario, Defaults with { MinNetworksToPage = 0 });
                foreach (var fire in result.Of(AlertTransition.Fire))
                {
                    margins.Add((name, fire.Networks - Math.Floor(fire.BaselineMedian), fire.Devices, fire.Networks));
                }

                // On (the default): every one of those pages still happens, at the same minute.
                var withCheck = Backtest.Run(scenario, Defaults);
                Assert.Equal(result.Of(AlertTransition.Fire).Select(e => (e.Series, e.Time)), withCheck.Of(AlertTransition.Fire).Select(e => (e.Series, e.Time)));
                Assert.Empty(withCheck.Of(AlertTransition.Suspect));
            }
        }

        foreach (var group in margins.GroupBy(m => m.Scenario))
        {
            var min = group.MinBy(m => m.Excess);
            output.WriteLine($"{group.Key}: {group.Count()} pages; smallest network excess {min.Excess} ({min.Devices} devices from {min.Networks} networks)");
        }

        Assert.NotEmpty(margins);
        Assert.All(margins, m => Assert.True(m.Excess >= 3 * Defaults.MinNetworksToPage, $"{m}"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Steady_noise_opens_no_suspicious_alert_either(int seed)
    {
        var result = Backtest.Run(Steady(seed), Defaults);
        Assert.Empty(result.Of(AlertTransition.Fire));
        Assert.Empty(result.Of(AlertTransition.Suspect));
    }
}
