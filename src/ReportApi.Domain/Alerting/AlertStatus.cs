namespace ReportApi.Domain.Alerting;

/// <summary>Lifecycle of one alert. Pending, Firing, Acknowledged and Suspicious are open; a series has at most one open alert.</summary>
public enum AlertStatus
{
    /// <summary>Spiking, but not yet for <see cref="DetectorOptions.PendingEvaluations"/> evaluations; nobody is told.</summary>
    Pending,

    /// <summary>Notified; repeats every <see cref="DetectorOptions.RepeatInterval"/>.</summary>
    Firing,

    /// <summary>A responder owns it: no repeats, but it stays open and still resolves on its own.</summary>
    Acknowledged,

    /// <summary>
    /// Spiking, but the devices came from fewer independent source networks than <see cref="DetectorOptions.MinNetworksToPage"/>:
    /// shown in the API and on dashboards, never paged (forged reports from one network look exactly like this). Open, so
    /// it escalates to <see cref="Firing"/> if the spike spreads to enough networks, and resolves quietly otherwise.
    /// </summary>
    Suspicious,

    /// <summary>Closed. An alert that never fired (a pending spike that did not hold) also ends here, with no FiredAt.</summary>
    Resolved,
}
