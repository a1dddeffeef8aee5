using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.OutputCaching;

namespace ReportApi.Stats;

/// <summary>
/// <c>Stats:CacheSeconds</c>: how long one answer of <c>GET /v1/stats/failures</c> serves identical requests (same
/// path and query string, same <c>Accept</c>). An incident is a flood of reports while everyone opens the same
/// dashboards: the open bucket is counted live over the flood's device rows (≈ 0.2 s per request at 8,000
/// reports/s), and the same question from forty responders would be counted forty times. Identical requests that
/// arrive together wait for the first one's answer instead of counting again (output-cache locking). 0 turns it off.
/// </summary>
internal sealed class StatsCacheOptions
{
    [Range(0, 300)]
    public int CacheSeconds { get; set; } = 5;
}

/// <summary>
/// The output-cache policy of the stats route. The answer depends only on the query, never on who asks: the
/// authorization middleware runs before the cache (an unauthorised caller gets its 401/403, never a cached answer),
/// and only 200s are stored. Unlike the framework's default policy it caches requests that carry an
/// <c>Authorization</c> header, which every stats request does.
/// </summary>
internal sealed class StatsCachePolicy(TimeSpan lifetime) : IOutputCachePolicy
{
    public const string Name = "stats";

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var cacheable = lifetime > TimeSpan.Zero && HttpMethods.IsGet(context.HttpContext.Request.Method);
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = cacheable;
        context.AllowCacheStorage = cacheable;
        context.AllowLocking = cacheable;
        context.ResponseExpirationTimeSpan = lifetime;
        context.CacheVaryByRules.QueryKeys = "*";
        context.CacheVaryByRules.HeaderNames = "Accept";
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.SetCookie.Count > 0) context.AllowCacheStorage = false;
        return ValueTask.CompletedTask;
    }
}
