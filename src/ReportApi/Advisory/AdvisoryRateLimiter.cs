using System.Net;
using System.Threading.RateLimiting;
using ReportApi.Security;

namespace ReportApi.Advisory;

/// <summary>
/// <c>GET /v1/advisory</c> per client address (<c>RateLimit:Advisory*</c>): its own buckets, so a burst of app starts
/// behind one NAT does not eat that network's ingest budget, nor the reverse. Keyed by the address itself (not its
/// text): no allocation per request on this hot path. Not in the global limiter chain: the advisory's fast path
/// (<see cref="AdvisoryEndpoints.UseAdvisory"/>) runs before the rate limiter middleware.
/// </summary>
internal static class AdvisoryRateLimiter
{
    public static PartitionedRateLimiter<HttpContext> Create(RateLimitOptions o) => PartitionedRateLimiter.Create<HttpContext, IPAddress>(http =>
        o.AdvisoryPerClientRequestsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter(IPAddress.None)
            : RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress ?? IPAddress.None, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.AdvisoryPerClientBurst,
                TokensPerPeriod = o.AdvisoryPerClientRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
}
