using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;
using static ReportApi.Domain.Tests.Alerting.Observations;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class SpikeDetectorTests
{
    private static readonly DetectorOptions Defaults = new();

    [Fact]
    public void Quiet_series_has_no_alert()
    {
        var decision = SpikeDetector.Evaluate(Quiet(), null, T0, Defaults);

        Assert.Equal(AlertTransition.None, decision.Transition);
        Assert.Null(decision.State);
        Assert.False(decision.Notify);
        Assert.False(decision.Assessment.IsSpike);
    }

    [Fact]
    public void Spike_is_pending_first_and_fires_on_the_second_evaluation()
    {
        var first = SpikeDetector.Evaluate(Rotation(140), null, Minute(0), Defaults);
        var second = SpikeDetector.Evaluate(Rotation(260), first.State, Minute(1), Defaults);

        Assert.Equal(AlertTransition.Pending, first.Transition);
        Assert.Equal(AlertStatus.Pending, first.State!.Status);
        Assert.False(first.Notify);
        Assert.Equal(AlertTransition.Fire, second.Transition);
        Assert.True(second.Notify);
        var state = second.State!;
        Assert.Equal(AlertStatus.Firing, state.Status);
        Assert.Equal(Minute(0), state.OpenedAt);
        Assert.Equal(Minute(1), state.FiredAt);
        Assert.Equal(Minute(1), state.LastNotifiedAt);
        Assert.Equal(260, state.PeakDevices);
        Assert.Equal(2, state.BaselineMedian);
        Assert.Equal(DiagnosisCode.ServerRotation, state.Cause);
        Assert.Equal(SpikeRule.Devices, second.Assessment.Rule);
    }

    [Fact]
    public void One_pending_evaluation_fires_immediately()
    {
        var decision = SpikeDetector.Evaluate(Rotation(140), null, T0, Defaults with { PendingEvaluations = 1 });

        Assert.Equal(AlertTransition.Fire, decision.Transition);
        Assert.Equal(AlertStatus.Firing, decision.State!.Status);
    }

    [Fact]
    public void A_spike_that_does_not_hold_is_discarded_without_notifying()
    {
        var pending = SpikeDetector.Evaluate(Rotation(140), null, Minute(0), Defaults);
        var discarded = SpikeDetector.Evaluate(Quiet(), pending.State, Minute(1), Defaults);

        Assert.Equal(AlertTransition.Discard, discarded.Transition);
        Assert.False(discarded.Notify);
        Assert.Equal(AlertStatus.Resolved, discarded.State!.Status);
        Assert.Null(discarded.State.FiredAt);
        Assert.StartsWith("Not confirmed:", discarded.Summary!.Headline);
    }

    [Fact]
    public void Below_the_device_floor_nothing_fires_even_from_a_zero_baseline()
    {
        var observation = new SeriesObservation(Series, 19, new int[21]);

        var decision = SpikeDetector.Evaluate(observation, null, T0, Defaults);

        Assert.Equal(AlertTransition.None, decision.Transition);
    }

    [Fact]
    public void Zero_mad_baseline_does_not_divide_by_zero()
    {
        var assessment = SpikeAssessment.Assess(new SeriesObservation(Series, 25, new int[21]), Defaults);

        Assert.Equal(SpikeRule.Devices, assessment.Rule);
        Assert.Equal(Defaults.MadFloor, assessment.Scale);
        Assert.Equal(25, assessment.Z);
        Assert.Null(assessment.Ratio);
    }

    [Fact]
    public void The_floor_counts_devices_above_the_usual_level()
    {
        // 29 devices where 12 is usual: 17 extra, below the floor of 20.
        var assessment = SpikeAssessment.Assess(new SeriesObservation(Series, 29, Enumerable.Repeat(12, 21).ToArray()), Defaults);

        Assert.False(assessment.IsSpike);
    }

    [Fact]
    public void Ratio_floor_holds_back_a_large_series()
    {
        // 120 devices where 50 is usual: 70 extra and z = 70 / √50 ≈ 9.9, but only 2.4 × the median.
        var assessment = SpikeAssessment.Assess(new SeriesObservation(Series, 120, Enumerable.Repeat(50, 21).ToArray()), Defaults);

        Assert.False(assessment.IsSpike);
        Assert.Equal(2.4, assessment.Ratio!.Value, 6);
    }

    [Fact]
    public void Mad_threshold_holds_back_a_series_with_a_wide_baseline()
    {
        // Median 10, MAD 8 (scale 11.9): 40 devices are 4 × the median and 30 extra, but z ≈ 2.5.
        int[] history = [2, 2, 2, 2, 10, 10, 10, 18, 18, 18, 18];

        var assessment = SpikeAssessment.Assess(new SeriesObservation(Series, 40, history), Defaults);

        Assert.Equal(10, assessment.Baseline.Median);
        Assert.Equal(8, assessment.Baseline.Mad);
        Assert.InRange(assessment.Z, 2.4, 2.6);
        Assert.False(assessment.IsSpike);
    }

    [Fact]
    public void First_seen_series_fires_without_history_only_above_its_floor()
    {
        var below = SpikeDetector.Evaluate(new SeriesObservation(Series, 49, []), null, T0, Defaults);
        var above = SpikeDetector.Evaluate(new SeriesObservation(Series, 50, []), null, T0, Defaults);

        Assert.Equal(AlertTransition.None, below.Transition);
        Assert.Equal(AlertTransition.Pending, above.Transition);
        Assert.Equal(SpikeRule.FirstSeen, above.Assessment.Rule);
    }

    [Fact]
    public void Failure_rate_lets_a_small_version_page_below_the_device_floor()
    {
        // 12 devices of an 800-device version: 1.5% of its users, but under the 20-device floor.
        var withoutActivity = new SeriesObservation(Series, 12, new int[21]);
        var withActivity = withoutActivity with { ActiveDevices = 800 };

        Assert.Equal(SpikeRule.None, SpikeAssessment.Assess(withoutActivity, Defaults).Rule);
        var assessment = SpikeAssessment.Assess(withActivity, Defaults);
        Assert.Equal(SpikeRule.FailureRate, assessment.Rule);
        Assert.Equal(0.015, assessment.FailureRate!.Value, 6);
        Assert.Equal(10, assessment.Floor);

        var pending = SpikeDetector.Evaluate(withActivity, null, Minute(0), Defaults);
        var fired = SpikeDetector.Evaluate(withActivity, pending.State, Minute(1), Defaults);
        Assert.Equal(AlertTransition.Fire, fired.Transition);
    }

    [Theory]
    [InlineData(12, 100_000)] // 0.012%: under the rate threshold, and under the device floor
    [InlineData(8, 800)] // 1%, but fewer devices than RateMinDevices
    public void Failure_rate_rule_needs_both_the_rate_and_its_minimum(int devices, int active)
    {
        var assessment = SpikeAssessment.Assess(new SeriesObservation(Series, devices, new int[21], active), Defaults);

        Assert.False(assessment.IsSpike);
    }

    [Fact]
    public void Resolves_only_after_the_quiet_period_of_clear_windows()
    {
        var state = Firing();

        // The hysteresis band (15 devices: neither a spike nor clear) keeps the alert open indefinitely.
        for (var minute = 2; minute < 30; minute++)
        {
            var band = SpikeDetector.Evaluate(Quiet(15), state, Minute(minute), Defaults);
            Assert.Equal(AlertTransition.StillFiring, band.Transition);
            Assert.False(band.Assessment.IsClear);
            state = band.State!;
        }

        // Clear windows from minute 30; a band window at minute 40 restarts the quiet period.
        var transitions = new List<(int Minute, AlertTransition Transition)>();
        for (var minute = 30; minute <= 70 && state.IsOpen; minute++)
        {
            var decision = SpikeDetector.Evaluate(Quiet(minute == 40 ? 15 : 2), state, Minute(minute), Defaults);
            transitions.Add((minute, decision.Transition));
            state = decision.State!;
        }

        Assert.Equal((56, AlertTransition.Resolve), transitions[^1]);
        Assert.All(transitions.SkipLast(1), t => Assert.Equal(AlertTransition.StillFiring, t.Transition));
        Assert.Equal(AlertStatus.Resolved, state.Status);
        Assert.Equal(Minute(56), state.ResolvedAt);
        Assert.Equal(Minute(41), state.ClearSince);
    }

    [Fact]
    public void Resolve_notifies_and_names_the_cause()
    {
        var state = Firing();
        AlertDecision decision = null!;
        for (var minute = 2; minute <= 2 + 15; minute++)
        {
            decision = SpikeDetector.Evaluate(Quiet(), state, Minute(minute), Defaults);
            state = decision.State!;
        }

        Assert.Equal(AlertTransition.Resolve, decision.Transition);
        Assert.True(decision.Notify);
        Assert.StartsWith("Resolved: server-rotation on api.example.com in com.example.bank 3.2.1, firing since 09:03 UTC with a peak of 260 devices",
            decision.Summary!.Headline);
    }

    [Fact]
    public void Firing_alert_repeats_every_interval()
    {
        var state = Firing();
        var repeats = new List<int>();
        for (var minute = 2; minute <= 150; minute++)
        {
            var decision = SpikeDetector.Evaluate(Rotation(300), state, Minute(minute), Defaults);
            if (decision.Transition == AlertTransition.Repeat)
            {
                repeats.Add(minute);
            }

            state = decision.State!;
        }

        Assert.Equal([61, 121], repeats);
        Assert.Equal(Minute(121), state.LastNotifiedAt);
    }

    [Fact]
    public void Acknowledged_alert_does_not_repeat_and_still_resolves()
    {
        var (outcome, state) = AlertAcknowledgement.Acknowledge(Firing(), Minute(5));
        Assert.Equal(AcknowledgeOutcome.Acknowledged, outcome);
        Assert.Equal(AlertStatus.Acknowledged, state.Status);
        Assert.Equal(Minute(5), state.AcknowledgedAt);
        Assert.False(state.RepeatDue(Minute(500), Defaults));

        for (var minute = 6; minute <= 200; minute++)
        {
            var decision = SpikeDetector.Evaluate(Rotation(300), state, Minute(minute), Defaults);
            Assert.Equal(AlertTransition.StillFiring, decision.Transition);
            Assert.False(decision.Notify);
            state = decision.State!;
        }

        Assert.Equal(AlertStatus.Acknowledged, state.Status);
        AlertDecision last = null!;
        for (var minute = 201; state.IsOpen; minute++)
        {
            last = SpikeDetector.Evaluate(Quiet(), state, Minute(minute), Defaults);
            state = last.State!;
        }

        Assert.Equal(AlertTransition.Resolve, last.Transition);
        Assert.Equal(Minute(216), state.ResolvedAt);
        Assert.Equal(Minute(5), state.AcknowledgedAt);
    }

    [Fact]
    public void Acknowledging_twice_or_a_pending_alert_changes_nothing()
    {
        var (_, acknowledged) = AlertAcknowledgement.Acknowledge(Firing(), Minute(5));
        var again = AlertAcknowledgement.Acknowledge(acknowledged, Minute(9));
        var pending = SpikeDetector.Evaluate(Rotation(140), null, T0, Defaults).State!;

        Assert.Equal((AcknowledgeOutcome.AlreadyAcknowledged, acknowledged), again);
        Assert.Equal((AcknowledgeOutcome.NotFiring, pending), AlertAcknowledgement.Acknowledge(pending, Minute(1)));
    }

    [Fact]
    public void Same_minute_evaluated_twice_yields_the_same_state_and_no_second_fire()
    {
        var pending = SpikeDetector.Evaluate(Rotation(140), null, Minute(0), Defaults).State;

        var once = SpikeDetector.Evaluate(Rotation(260), pending, Minute(1), Defaults);
        var sameInputs = SpikeDetector.Evaluate(Rotation(260), pending, Minute(1), Defaults);
        var replayed = SpikeDetector.Evaluate(Rotation(260), once.State, Minute(1), Defaults);
        var late = SpikeDetector.Evaluate(Rotation(260), once.State, Minute(0), Defaults);

        Assert.Equal(AlertTransition.Fire, once.Transition);
        Assert.Equal(once.State, sameInputs.State);
        Assert.Equal(once.Transition, sameInputs.Transition);
        Assert.Equal(AlertTransition.AlreadyEvaluated, replayed.Transition);
        Assert.False(replayed.Notify);
        Assert.Equal(once.State, replayed.State);
        Assert.Equal(AlertTransition.AlreadyEvaluated, late.Transition);
        Assert.Equal(once.State, late.State);
    }

    [Fact]
    public void A_resolved_series_opens_a_new_alert_on_its_next_spike()
    {
        var resolved = Firing() with { Status = AlertStatus.Resolved, ResolvedAt = Minute(30), LastEvaluatedAt = Minute(30) };

        var decision = SpikeDetector.Evaluate(Rotation(200), resolved, Minute(90), Defaults);

        Assert.Equal(AlertTransition.Pending, decision.Transition);
        Assert.Equal(Minute(90), decision.State!.OpenedAt);
        Assert.Null(decision.State.FiredAt);
    }

    [Fact]
    public void State_of_another_series_is_rejected()
    {
        var other = Firing() with { Series = SeriesKey.ForHost("auth.example.com") };

        Assert.Throws<ArgumentException>(() => SpikeDetector.Evaluate(Rotation(200), other, Minute(2), Defaults));
    }

    private static AlertState Firing()
    {
        var pending = SpikeDetector.Evaluate(Rotation(140), null, Minute(0), Defaults);
        var fired = SpikeDetector.Evaluate(Rotation(260), pending.State, Minute(1), Defaults);
        Assert.Equal(AlertTransition.Fire, fired.Transition);
        return fired.State!;
    }
}
