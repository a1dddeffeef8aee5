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
    public bool Notify => Transition is AlertTransition.Fire or AlertTransition.Repeat or AlertTransition.Resolve;
}
