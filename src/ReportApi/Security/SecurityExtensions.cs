using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using ReportApi.Hosting;
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

        // The chain is built when the options are, after every feature registered its limited routes (RateLimitedRoute).
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IEnumerable<RateLimitedRoute>>((options, routes) =>
        {
            var limited = routes.Select(r => r.Matches).ToArray();
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerClient(limits, limited), Global(limits, limited));
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                ReportApiTelemetry.RequestRejected("rate-limited");
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This client exceeded the ingest rate limit; retry after {retryAfter} s. Nothing from this request was stored.")
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

    // Only the registered routes (the open ingest endpoint) are limited here: the advisory has its own bucket, query endpoints are behind API keys.
    private static bool IsLimited(HttpContext http, Func<HttpContext, bool>[] limited)
    {
        foreach (var matches in limited)
        {
            if (matches(http)) return true;
        }
        return false;
    }

    private static PartitionedRateLimiter<HttpContext> PerClient(RateLimitOptions o, Func<HttpContext, bool>[] limited) => PartitionedRateLimiter.Create<HttpContext, string>(http =>
        !IsLimited(http, limited) || o.PerClientRequestsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("unlimited")
            : RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.PerClientBurst,
                TokensPerPeriod = o.PerClientRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    private static PartitionedRateLimiter<HttpContext> Global(RateLimitOptions o, Func<HttpContext, bool>[] limited) => PartitionedRateLimiter.Create<HttpContext, string>(http =>
        !IsLimited(http, limited) || o.GlobalRequestsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("unlimited")
            : RateLimitPartition.GetTokenBucketLimiter("global", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.GlobalRequestsPerSecond,
                TokensPerPeriod = o.GlobalRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
}
