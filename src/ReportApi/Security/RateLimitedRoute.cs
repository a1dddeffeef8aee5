namespace ReportApi.Security;

/// <summary>
/// A route under the per-client and global token buckets (<c>RateLimit:PerClient*</c>, <c>RateLimit:Global*</c>),
/// registered by the feature that serves it (ingest). Path-based: the limiter asks before routing. Query endpoints
/// are behind API keys and the advisory has its own buckets, so security imports no feature to know which is which.
/// </summary>
public sealed record RateLimitedRoute(Func<HttpContext, bool> Matches);
