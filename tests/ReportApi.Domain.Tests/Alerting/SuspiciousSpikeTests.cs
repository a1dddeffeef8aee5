using ReportApi.Domain.Alerting;
using static ReportApi.Domain.Tests.Alerting.Observations;

namespace ReportApi.Domain.Tests.Alerting;

/// <summary>Issue #22 in the state machine: a spike from too few networks is suspicious, never a page, until it spreads.</summary>
public sealed class SuspiciousSpikeTests
{
    private static readonly DetectorOptions Options = new();

    private static AlertDecision Step(SeriesObservation observation, AlertState? state, int minute) =>
        SpikeDetector.Evaluate(observation, state, Minute(minute), Options);

    [Fact]
    public void A_spike_from_one_network_turns_suspicious_without_notifying_then_fires_when_it_spreads_to_many_networks()
    {
        var pending = Step(Rotation(70) with { WindowNetworks = 1 }, null, 0);
        Assert.Equal(AlertTransition.Pending, pending.Transition);

        var suspect = Step(Rotation(70) with { WindowNetworks = 1 }, pending.State, 1);
        Assert.Equal(AlertTransition.Suspect, suspect.Transition);
        Assert.Equal(AlertStatus.Suspicious, suspect.State!.Status);
        Assert.False(suspect.Notify);
        Assert.Null(suspect.State.FiredAt);
        Assert.StartsWith("Suspicious: 70 devices from 1 network on api.example.com in com.example.bank 3.2.1", suspect.Summary!.Headline);
        Assert.Contains("Networks: 1 network; paging needs ", suspect.Summary.Text);
        Assert.Contains("Network:TrustedProxies", suspect.Summary.Text);

        var still = Step(Rotation(72) with { WindowNetworks = 1 }, suspect.State, 2);
        Assert.Equal(AlertTransition.StillSuspicious, still.Transition);

        // The same incident now reported from many networks: a real one after all.
        var fire = Step(Rotation(300) with { WindowNetworks = 250 }, still.State, 3);
        Assert.Equal(AlertTransition.Fire, fire.Transition);
        Assert.True(fire.Notify);
        Assert.Contains("300 devices (3.8% of 3.2.1) from 250 networks fail since", fire.Summary!.Headline);
    }

    [Fact]
    public void A_suspicious_alert_resolves_after_the_quiet_period_without_a_notification()
    {
        var state = Step(Rotation(70) with { WindowNetworks = 1 }, null, 0).State;
        state = Step(Rotation(70) with { WindowNetworks = 1 }, state, 1).State;
        AlertDecision decision = null!;
        for (var m = 2; m <= 2 + (int)Options.QuietPeriod.TotalMinutes; m++)
        {
            decision = Step(Quiet() with { WindowNetworks = 2 }, state, m);
            state = decision.State;
        }

        Assert.Equal(AlertTransition.Resolve, decision.Transition);
        Assert.False(decision.Notify);
        Assert.StartsWith("Resolved without paging: suspicious", decision.Summary!.Headline);
        Assert.Equal(1, decision.State!.PeakNetworks);
    }

    [Theory]
    [InlineData(0, true)]   // check off
    [InlineData(null, true)] // not measured
    public void Without_a_network_count_or_with_the_check_off_the_spike_pages_as_before(int? min, bool fires)
    {
        var options = min is int m ? Options with { MinNetworksToPage = m } : Options;
        var observation = min is null ? Rotation(70) : Rotation(70) with { WindowNetworks = 1 };
        var state = SpikeDetector.Evaluate(observation, null, Minute(0), options).State;
        var decision = SpikeDetector.Evaluate(observation, state, Minute(1), options);
        Assert.Equal(fires, decision.Transition == AlertTransition.Fire);
    }

    [Fact]
    public void Noise_sized_network_counts_do_not_pass_the_check_on_a_busy_series()
    {
        // Baseline median 2, MAD-scaled noise: 1 forger network + a few background ones stays below what paging needs.
        var assessment = SpikeAssessment.Assess(Rotation(70) with { WindowNetworks = 6 }, Options);
        Assert.True(assessment.IsSpike);
        Assert.False(assessment.IsIndependent);
        Assert.True(assessment.RequiredNetworks >= Options.MinNetworksToPage + 2);
        Assert.True(SpikeAssessment.Assess(Rotation(70) with { WindowNetworks = 60 }, Options).IsIndependent);
    }
}
