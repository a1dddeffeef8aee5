namespace ReportApi.Domain.Alerting;

/// <summary>
/// The alert state machine of docs/decisions/0007-spike-detection-on-distinct-devices.md as one pure function: observation + current alert + clock in, decision out.
/// None → Pending → Firing (straight to Firing when <see cref="DetectorOptions.PendingEvaluations"/> is 1) →
/// Acknowledged (external, <see cref="AlertAcknowledgement"/>) → Resolved after the quiet period; a resolved series opens
/// a new alert on its next spike. A confirmed spike from too few independent networks goes to Suspicious instead of
/// Firing (no page); it fires if the spike later spreads to enough networks, and resolves silently otherwise. Because the input state is the only memory, one open alert per series holds by
/// construction, and the host can run it from any replica.
/// </summary>
public static class SpikeDetector
{
    /// <param name="current">The series' latest alert (open or resolved), or null when it never had one.</param>
    public static AlertDecision Evaluate(SeriesObservation observation, AlertState? current, DateTimeOffset now, DetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(options);
        if (current is not null && current.Series != observation.Series)
        {
            throw new ArgumentException($"The alert belongs to {current.Series}, the observation to {observation.Series}.", nameof(current));
        }

        var assessment = SpikeAssessment.Assess(observation, options);

        // A second replica or a restarted one re-evaluating a minute already applied must not count it twice.
        if (current is not null && now <= current.LastEvaluatedAt)
        {
            return new AlertDecision(AlertTransition.AlreadyEvaluated, current, assessment);
        }

        return current is { IsOpen: true }
            ? Advance(observation, current, assessment, now, options)
            : Open(observation, assessment, now, options);
    }

    private static AlertDecision Open(SeriesObservation observation, SpikeAssessment assessment, DateTimeOffset now, DetectorOptions options)
    {
        if (!assessment.IsSpike)
        {
            return new AlertDecision(AlertTransition.None, null, assessment);
        }

        var pending = new AlertState(observation.Series, AlertStatus.Pending, now, now, observation.WindowDevices,
            observation.WindowDevices, assessment.Baseline.Median, 1, 0, observation.DominantDiagnosis,
            PeakNetworks: observation.WindowNetworks ?? 0);
        return options.PendingEvaluations <= 1
            ? Confirm(observation, pending, assessment, now)
            : Decide(AlertTransition.Pending, pending, observation, assessment);
    }

    private static AlertDecision Advance(SeriesObservation observation, AlertState open, SpikeAssessment assessment, DateTimeOffset now,
        DetectorOptions options)
    {
        var devices = observation.WindowDevices;
        var state = open with
        {
            LastEvaluatedAt = now,
            LastWindowDevices = devices,
            PeakDevices = Math.Max(open.PeakDevices, devices),
            // The networks of the peak window, so "peak 72 devices from 1 network" describes one window.
            PeakNetworks = devices >= open.PeakDevices ? observation.WindowNetworks ?? 0 : open.PeakNetworks,
            BaselineMedian = assessment.Baseline.Median,
            ConsecutiveSpikes = assessment.IsSpike ? open.ConsecutiveSpikes + 1 : 0,
            ConsecutiveClears = assessment.IsClear ? open.ConsecutiveClears + 1 : 0,
        };

        if (open.Status == AlertStatus.Pending)
        {
            if (!assessment.IsSpike)
            {
                return Decide(AlertTransition.Discard, state with { Status = AlertStatus.Resolved, ResolvedAt = now }, observation, assessment);
            }

            state = state with { Cause = observation.DominantDiagnosis ?? open.Cause };
            return state.ConsecutiveSpikes >= options.PendingEvaluations
                ? Confirm(observation, state, assessment, now)
                : Decide(AlertTransition.StillPending, state, observation, assessment);
        }

        if (open.Status == AlertStatus.Suspicious)
        {
            // The spike spread to enough networks: it is real after all, page now.
            if (assessment.IsSpike && assessment.IsIndependent)
            {
                return Fire(observation, state with { ClearSince = null }, assessment, now);
            }

            var quietSince = assessment.IsClear ? open.ClearSince ?? now : (DateTimeOffset?)null;
            state = state with { ClearSince = quietSince };
            return quietSince is { } clear && now - clear >= options.QuietPeriod
                ? Decide(AlertTransition.Resolve, state with { Status = AlertStatus.Resolved, ResolvedAt = now }, observation, assessment)
                : Decide(AlertTransition.StillSuspicious, state, observation, assessment);
        }

        // Firing or acknowledged. Only clear windows count towards the quiet period; a window in the hysteresis band
        // (neither spike nor clear) restarts it, so a slowly draining incident does not resolve half-way.
        var clearSince = assessment.IsClear ? open.ClearSince ?? now : (DateTimeOffset?)null;
        state = state with { ClearSince = clearSince };
        if (clearSince is { } since && now - since >= options.QuietPeriod)
        {
            return Decide(AlertTransition.Resolve, state with { Status = AlertStatus.Resolved, ResolvedAt = now }, observation, assessment);
        }

        if (state.RepeatDue(now, options))
        {
            return Decide(AlertTransition.Repeat, state with { LastNotifiedAt = now }, observation, assessment);
        }

        return Decide(AlertTransition.StillFiring, state, observation, assessment);
    }

    /// <summary>A spike that held: it pages when independent networks back it, else it is only suspicious.</summary>
    private static AlertDecision Confirm(SeriesObservation observation, AlertState state, SpikeAssessment assessment, DateTimeOffset now) =>
        assessment.IsIndependent
            ? Fire(observation, state, assessment, now)
            : Decide(AlertTransition.Suspect, state with { Status = AlertStatus.Suspicious, SuspectedAt = now }, observation, assessment);

    private static AlertDecision Fire(SeriesObservation observation, AlertState state, SpikeAssessment assessment, DateTimeOffset now) =>
        Decide(AlertTransition.Fire, state with { Status = AlertStatus.Firing, FiredAt = now, LastNotifiedAt = now }, observation, assessment);

    private static AlertDecision Decide(AlertTransition transition, AlertState state, SeriesObservation observation, SpikeAssessment assessment) =>
        new(transition, state, assessment, AlertSummary.Build(observation, state, assessment));
}
