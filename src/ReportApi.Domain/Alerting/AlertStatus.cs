namespace ReportApi.Domain.Alerting;

/// <summary>Lifecycle of one alert. Pending, Firing and Acknowledged are open; a series has at most one open alert.</summary>
public enum AlertStatus
{
    /// <summary>Spiking, but not yet for <see cref="DetectorOptions.PendingEvaluations"/> evaluations; nobody is told.</summary>
    Pending,

    /// <summary>Notified; repeats every <see cref="DetectorOptions.RepeatInterval"/>.</summary>
    Firing,

    /// <summary>A responder owns it: no repeats, but it stays open and still resolves on its own.</summary>
    Acknowledged,

    /// <summary>Closed. An alert that never fired (a pending spike that did not hold) also ends here, with no FiredAt.</summary>
    Resolved,
}
