namespace ReportApi.Domain.Alerting;

/// <summary>
/// The result of one evaluation: the transition, the alert state to persist (null when the series has no alert), whether
/// to enqueue a notification, the text to send, and the statistics behind it.
/// </summary>
public sealed record AlertDecision(
    AlertTransition Transition,
    AlertState? State,
    SpikeAssessment Assessment,
    AlertSummary? Summary = null)
{
    // A suspicious alert that resolves never paged anyone, so it has nothing to close either.
    public bool Notify => Transition is AlertTransition.Fire or AlertTransition.Repeat
        || (Transition == AlertTransition.Resolve && State?.FiredAt is not null);
}
