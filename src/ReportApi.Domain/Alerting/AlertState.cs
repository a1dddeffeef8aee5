using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// Everything the state machine carries from one evaluation to the next for one alert; the host persists it as the alert
/// row. <see cref="EvaluatedLateAt"/>: when the evaluator caught up on minutes of this alert it had missed while down
/// (issue #19), so its text says it was evaluated late for the rest of its life. Scalar only, so value equality makes "the same minute evaluated twice yields the same state" checkable.
/// </summary>
public sealed record AlertState(
    SeriesKey Series,
    AlertStatus Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastEvaluatedAt,
    int PeakDevices,
    int LastWindowDevices,
    double BaselineMedian,
    int ConsecutiveSpikes,
    int ConsecutiveClears,
    DiagnosisCode? Cause = null,
    DateTimeOffset? FiredAt = null,
    DateTimeOffset? ClearSince = null,
    DateTimeOffset? LastNotifiedAt = null,
    DateTimeOffset? AcknowledgedAt = null,
    DateTimeOffset? ResolvedAt = null,
    DateTimeOffset? SuspectedAt = null,
    int PeakNetworks = 0,
    DateTimeOffset? EvaluatedLateAt = null)
{
    public bool IsOpen => Status is AlertStatus.Pending or AlertStatus.Firing or AlertStatus.Acknowledged or AlertStatus.Suspicious;

    /// <summary>Whether a repeat notification is due at <paramref name="now"/>: firing, unacknowledged, not recovering.</summary>
    public bool RepeatDue(DateTimeOffset now, DetectorOptions options) =>
        Status == AlertStatus.Firing
        && ClearSince is null
        && LastNotifiedAt is { } notified
        && now - notified >= options.RepeatInterval;
}
