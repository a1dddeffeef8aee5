namespace ReportApi.Domain.Alerting;

/// <summary>How <c>POST /v1/alerts/{id}/acknowledge</c> went.</summary>
public enum AcknowledgeOutcome
{
    Acknowledged,

    /// <summary>Acknowledging twice is harmless: the first time is kept.</summary>
    AlreadyAcknowledged,

    /// <summary>Pending or resolved: there is no notification to silence.</summary>
    NotFiring,
}

/// <summary>The external transition Firing → Acknowledged: stops repeats, keeps the alert open so it still resolves.</summary>
public static class AlertAcknowledgement
{
    public static (AcknowledgeOutcome Outcome, AlertState State) Acknowledge(AlertState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Status switch
        {
            AlertStatus.Firing => (AcknowledgeOutcome.Acknowledged, state with { Status = AlertStatus.Acknowledged, AcknowledgedAt = now }),
            AlertStatus.Acknowledged => (AcknowledgeOutcome.AlreadyAcknowledged, state),
            _ => (AcknowledgeOutcome.NotFiring, state),
        };
    }
}
