using System.ComponentModel.DataAnnotations;

namespace ReportApi.Scope;

/// <summary>
/// <c>Ingest:Scope</c> (contract key): the apps and pinned hosts this service collects for. <c>POST /v1/reports</c> is
/// open to anyone, so without a scope anyone can fill the database, create series and open alerts for any app and host
/// name; with one, reports outside it are refused (422) and only counted. Empty lists mean "any" for that dimension; a
/// scope with neither apps nor hosts is no scope (a start-up warning says so).
/// </summary>
public sealed class ScopeOptions
{
    public const string SectionName = "Ingest:Scope";

    /// <summary>
    /// <c>Ingest:Scope:Apps</c>: the <c>app-bundle-id</c>s accepted, each optionally limited to platforms. When set, a
    /// report without an app id (RFC 7469 browsers) is out of scope: list only <c>Hosts</c> to collect those.
    /// </summary>
    public List<ScopeApp> Apps { get; set; } = [];

    /// <summary>
    /// <c>Ingest:Scope:Hosts</c>: the pinned hosts (<c>noted-hostname</c>) accepted, case-insensitive; <c>*.example.com</c>
    /// accepts every subdomain of example.com (not example.com itself).
    /// </summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary><c>Ingest:Scope:FlushInterval</c>: how often each replica adds its out-of-scope counts to <c>scope_rejections</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Ingest:Scope:MaxRejectionRows</c>: the tally's size bound; further (app, platform, host) keys fold into one '(other)' row.</summary>
    [Range(10, 1_000_000)]
    public int MaxRejectionRows { get; set; } = 1_000;

    /// <summary><c>Ingest:Scope:RejectionRetentionDays</c>: tally rows not seen for this long are deleted.</summary>
    [Range(1, 3650)]
    public int RejectionRetentionDays { get; set; } = 30;

    public bool IsSet => Apps.Count > 0 || Hosts.Count > 0;
}

/// <summary>One app of the scope.</summary>
public sealed class ScopeApp
{
    /// <summary>The <c>app-bundle-id</c> (iOS bundle id, Android package name), compared exactly.</summary>
    [Required] public string BundleId { get; set; } = "";

    /// <summary>Optional: the accepted <c>app-platform</c>s (IOS, ANDROID, MACOS, ...), case-insensitive. Empty: any.</summary>
    public List<string> Platforms { get; set; } = [];
}
