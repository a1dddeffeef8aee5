namespace ReportApi.Domain.Alerting;

/// <summary>What one evaluation did to a series' alert. Fire, Repeat and Resolve are the ones that notify.</summary>
public enum AlertTransition
{
    /// <summary>No open alert and no spike.</summary>
    None,

    /// <summary>A spike opened a pending alert.</summary>
    Pending,

    /// <summary>Still spiking, not yet for long enough.</summary>
    StillPending,

    /// <summary>The pending spike did not hold; the alert closes without ever notifying.</summary>
    Discard,

    /// <summary>The alert fires: notify.</summary>
    Fire,

    /// <summary>A confirmed spike from too few independent networks: the alert turns suspicious; nobody is paged.</summary>
    Suspect,

    /// <summary>Still suspicious; nothing to send.</summary>
    StillSuspicious,

    /// <summary>Open and not (yet) resolving; nothing to send.</summary>
    StillFiring,

    /// <summary>Still firing, unacknowledged, and the repeat interval has passed: notify again.</summary>
    Repeat,

    /// <summary>Clear for the whole quiet period: notify the resolution (closes the PagerDuty incident) when the alert had fired.</summary>
    Resolve,

    /// <summary>This minute was already evaluated for this alert (a second replica, a restart): nothing changes.</summary>
    AlreadyEvaluated,
}
