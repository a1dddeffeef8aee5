using System.ComponentModel.DataAnnotations;

namespace ReportApi.Advisory;

/// <summary>Configuration section <c>Advisory</c>: what <c>GET /v1/advisory</c> tells apps, and how fresh it is.</summary>
public sealed class AdvisoryOptions
{
    /// <summary>
    /// <c>Advisory:Apps</c>: the apps the advisory speaks for, one entry per app and platform. Any other app (even one
    /// the inventory knows) gets the answer of an unknown version, so the endpoint never tells a stranger which apps
    /// this service watches.
    /// </summary>
    public List<AdvisoryApp> Apps { get; set; } = [];

    /// <summary>
    /// <c>Advisory:RefreshInterval</c>: how often every replica rebuilds its in-memory answers from the database. At
    /// most a minute: answers must follow a recorded chain or a newly learned version within a minute. (The replica
    /// that records a chain rebuilds at once.)
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Advisory:MaxAgeSeconds</c>: <c>Cache-Control: public, max-age</c> of an answer. Short, because a device asks
    /// at app start and an answer may change within a minute; the ETag makes revalidation cheap.
    /// </summary>
    [Range(0, 86_400)]
    public int MaxAgeSeconds { get; set; } = 60;
}

/// <summary>One <c>Advisory:Apps</c> entry: <c>{ "App", "Platform", "Message", "RecommendedMessage", "StoreUrl" }</c>.</summary>
public sealed class AdvisoryApp
{
    /// <summary>The bundle id / application id, as the app reports it (<c>app-bundle-id</c>).</summary>
    [Required, MinLength(1)] public string App { get; set; } = "";

    /// <summary>As reported (<c>app-platform</c>), compared case-insensitively: <c>ios</c>, <c>android</c>, <c>macos</c>...</summary>
    [Required, MinLength(1)] public string Platform { get; set; } = "";

    /// <summary>Shown with <c>update-required</c> (and with <c>update-recommended</c> unless <see cref="RecommendedMessage"/> is set).</summary>
    [Required, MinLength(1)] public string Message { get; set; } = "";

    /// <summary>Optional: a softer text for <c>update-recommended</c>.</summary>
    public string? RecommendedMessage { get; set; }

    /// <summary>Where the update is: App Store / Play Store page (https).</summary>
    [Required, Url] public string StoreUrl { get; set; } = "";
}
