using System.ComponentModel.DataAnnotations;

namespace ReportApi.Security;

/// <summary>
/// Configuration section <c>RateLimit</c>: limits on <c>POST /v1/reports</c> and the public advisory. Per-client limits are generous on
/// purpose: during an incident thousands of devices behind one carrier NAT address report at once, and those
/// reports are exactly the ones that matter.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second from one client address (0 turns the per-client limit off).</summary>
    [Range(0, 1_000_000)] public int PerClientRequestsPerSecond { get; set; } = 100;

    /// <summary>Requests one client address may send in a burst above the sustained rate.</summary>
    [Range(1, 10_000_000)] public int PerClientBurst { get; set; } = 1_000;

    /// <summary>Sustained ingest requests per second across all clients (0 = no global limit; the backlog cap still applies).</summary>
    [Range(0, 10_000_000)] public int GlobalRequestsPerSecond { get; set; }

    /// <summary>
    /// <c>GET /v1/advisory</c>: sustained requests per second from one client address (0 turns it off). Every app start
    /// asks once, so one device needs far less; the burst absorbs a carrier NAT's morning. A refused app simply shows no
    /// advisory this start (apps must fail open), so the limit protects the service without stranding anyone.
    /// </summary>
    [Range(0, 1_000_000)] public int AdvisoryPerClientRequestsPerSecond { get; set; } = 20;

    /// <summary>Advisory requests one client address may send in a burst above the sustained rate.</summary>
    [Range(1, 10_000_000)] public int AdvisoryPerClientBurst { get; set; } = 200;
}

/// <summary>Configuration section <c>Network</c>.</summary>
public sealed class NetworkOptions
{
    /// <summary>
    /// Addresses or CIDR ranges of reverse proxies whose <c>X-Forwarded-For</c> is believed. Empty: the header is
    /// ignored, since any client could otherwise pick its own rate-limit bucket.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}
