using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using ReportApi.Advisory;
using ReportApi.Observability;

namespace ReportApi.Security;

internal static class SecurityExtensions
{
    public static IHostApplicationBuilder AddAbuseProtection(this IHostApplicationBuilder builder)
    {
        var limits = builder.Configuration.GetSection("RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        var network = builder.Configuration.GetSection("Network").Get<NetworkOptions>() ?? new NetworkOptions();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimit").ValidateDataAnnotations().ValidateOnStart();

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            // The middleware trusts every proxy when both lists are empty, so with no configured proxy it does nothing at all.
            options.ForwardedHeaders = network.TrustedProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET trusts loopback by default; only what the operator lists is trusted here.
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list is still consulted and holds loopback by default.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            options.KnownProxies.Clear();
            foreach (var proxy in network.TrustedProxies)
            {
                if (System.Net.IPNetwork.TryParse(proxy, out var range)) options.KnownIPNetworks.Add(range);
                else if (IPAddress.TryParse(proxy, out var address)) options.KnownProxies.Add(address);
                else throw new InvalidOperationException($"Network:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR range.");
            }
        });

        // Not in the global chain: the advisory's fast path (AdvisoryEndpoints.UseAdvisory) runs before the rate limiter middleware.
        builder.Services.AddKeyedSingleton(AdvisoryEndpoints.RateLimiterKey, AdvisoryPerClient(limits));

        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerClient(limits), Global(limits));
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                ReportApiTelemetry.RequestRejected("rate-limited");
                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: $"This client exceeded the ingest rate limit; retry after {retryAfter} s. Nothing from this request was stored.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>Client addresses from trusted proxies only; runs first so logs and limits see the real client.</summary>
    public static WebApplication UseTrustedForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }

    // Only the open ingest endpoint is limited here (the advisory has its own bucket); query endpoints are behind API keys.
    private static bool IsIngest(HttpContext http) => Ingestion.IngestEndpoints.IsIngest(http);

    private static PartitionedRateLimiter<HttpContext> PerClient(RateLimitOptions o) => PartitionedRateLimiter.Create<HttpContext, string>(http =>
        !IsIngest(http) || o.PerClientRequestsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("unlimited")
            : RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerClientBurst,
                TokensPerPeriod = o.PerClientRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    private static PartitionedRateLimiter<HttpContext> Global(RateLimitOptions o) => PartitionedRateLimiter.Create<HttpContext, string>(http =>
        !IsIngest(http) || o.GlobalRequestsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("unlimited")
            : RateLimitPartition.GetTokenBucketLimiter("global", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.GlobalRequestsPerSecond,
                TokensPerPeriod = o.GlobalRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// <summary>
    /// <c>GET /v1/advisory</c> per client address (<c>RateLimit:Advisory*</c>): its own buckets, so a burst of app starts
    /// behind one NAT does not eat that network's ingest budget, nor the reverse. Keyed by the address itself (not its
    /// text): no allocation per request on this hot path.
    /// </summary>
    private static PartitionedRateLimiter<HttpContext> AdvisoryPerClient(RateLimitOptions o) => PartitionedRateLimiter.Create<HttpContext, IPAddress>(http =>
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
