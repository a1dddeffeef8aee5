using ReportApi.Domain.Pins;
using ReportApi.Domain.Reports;

namespace ReportApi.Advisory;

/// <summary>An inventory configuration of an app the advisory speaks for (platform normalised, hostname lower case).</summary>
public sealed record AdvisoryInventoryRow(
    string App, string Version, string Platform, string NotedHostname, bool IncludeSubdomains, bool EnforcePinning,
    DateOnly? ExpirationDate, IReadOnlyList<string> Pins);

/// <summary>A recorded chain with the keys it offers devices (<see cref="PreflightEvaluator.Analyze"/>), and from when.</summary>
public sealed record AdvisoryChain(string Hostname, string Kind, DateOnly EffectiveFrom, PreflightChain Keys);

/// <summary>A host that will reject the version. <see cref="Reason"/>: <see cref="AdvisoryVerdicts.LiveChainFails"/> or <see cref="AdvisoryVerdicts.PlannedChainFails"/>.</summary>
public sealed record AdvisoryHost(string Hostname, string Reason, DateOnly EffectiveFrom);

/// <summary>The body of <c>GET /v1/advisory</c>.</summary>
public sealed record AdvisoryAnswer(string Action, bool Known, IReadOnlyList<AdvisoryHost> Hosts, string? Message, string? StoreUrl);

/// <summary>How the advisory looks a version up: app and version as reported, platform case-insensitively (OSX = MACOS).</summary>
public readonly record struct AdvisoryKey(string App, string Version, string Platform);

/// <summary>Pure: every answer of the advisory, from the inventory, the recorded chains and the configuration.</summary>
public static class AdvisoryVerdicts
{
    public const string UpdateRequired = "update-required";
    public const string UpdateRecommended = "update-recommended";
    public const string None = "none";
    public const string LiveChainFails = "live-chain-fails-pins";
    public const string PlannedChainFails = "planned-chain-fails-pins";

    /// <summary>
    /// What a version the advisory does not know answers; also what any app outside <c>Advisory:Apps</c> answers, whatever
    /// the inventory holds, so the answer never tells a stranger whether an app exists here.
    /// </summary>
    public static readonly AdvisoryAnswer Unknown = new(None, false, [], null, null);

    /// <summary>
    /// Per known version of a configured app and platform: <c>update-required</c> when a host's live chain (or a plan
    /// whose date has come: the operator said it is deployed by then) offers none of the keys pinned for that host,
    /// <c>update-recommended</c> when only a future plan does. A configuration counts only while devices enforce it: pinning
    /// enforced, and pins not expired on the day the chain applies (TrustKit stops enforcing after the expiration date).
    /// A version with several pin sets for one host (e.g. remote configuration) fails when any of them fails.
    /// </summary>
    public static Dictionary<AdvisoryKey, AdvisoryAnswer> Evaluate(
        IReadOnlyList<AdvisoryApp> apps, IReadOnlyList<AdvisoryInventoryRow> rows, IReadOnlyList<AdvisoryChain> chains, DateOnly today)
    {
        var configured = new Dictionary<(string App, string Platform), AdvisoryApp>();
        foreach (var app in apps) configured[(app.App, Platforms.Normalise(app.Platform))] = app;

        var answers = new Dictionary<AdvisoryKey, AdvisoryAnswer>(KeyComparer.Instance);
        foreach (var version in rows.GroupBy(r => new AdvisoryKey(r.App, r.Version, r.Platform), KeyComparer.Instance))
        {
            if (!configured.TryGetValue((version.Key.App, Platforms.Normalise(version.Key.Platform)), out var app)) continue;

            var hosts = new SortedSet<AdvisoryHost>(HostOrder.Instance);
            foreach (var chain in chains)
            {
                var day = chain.EffectiveFrom > today ? chain.EffectiveFrom : today;
                var fails = version.Any(r => Applies(r, chain.Hostname) && r.EnforcePinning
                    && !(r.ExpirationDate < day) && PreflightEvaluator.Match(r.Pins, chain.Keys).Count == 0);
                if (!fails) continue;
                hosts.Add(new AdvisoryHost(chain.Hostname, chain.Kind == HostChain.Live ? LiveChainFails : PlannedChainFails, chain.EffectiveFrom));
            }

            var action = hosts.Count == 0 ? None : hosts.Any(h => h.EffectiveFrom <= today) ? UpdateRequired : UpdateRecommended;
            answers[version.Key] = action switch
            {
                UpdateRequired => new AdvisoryAnswer(action, true, [.. hosts], app.Message, app.StoreUrl),
                UpdateRecommended => new AdvisoryAnswer(action, true, [.. hosts], app.RecommendedMessage ?? app.Message, app.StoreUrl),
                _ => new AdvisoryAnswer(None, true, [], null, null),
            };
        }
        return answers;
    }

    /// <summary>The noted hostname itself, or a subdomain of it when pinned with include-subdomains (as the pre-flight).</summary>
    public static bool Applies(AdvisoryInventoryRow row, string hostname) =>
        row.NotedHostname == hostname
        || (row.IncludeSubdomains && hostname.Length > row.NotedHostname.Length
            && hostname.EndsWith(row.NotedHostname, StringComparison.Ordinal) && hostname[^(row.NotedHostname.Length + 1)] == '.');

    /// <summary>App and version exact (as the app reports them), platform by the one platform rule (<see cref="Platforms.Equivalent"/>); no allocation per lookup.</summary>
    public sealed class KeyComparer : IEqualityComparer<AdvisoryKey>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(AdvisoryKey x, AdvisoryKey y) =>
            string.Equals(x.App, y.App, StringComparison.Ordinal) && string.Equals(x.Version, y.Version, StringComparison.Ordinal)
            && Platforms.Equivalent(x.Platform, y.Platform);

        public int GetHashCode(AdvisoryKey key) => HashCode.Combine(
            StringComparer.Ordinal.GetHashCode(key.App), StringComparer.Ordinal.GetHashCode(key.Version),
            Platforms.GetHashCode(key.Platform));
    }

    private sealed class HostOrder : IComparer<AdvisoryHost>
    {
        public static readonly HostOrder Instance = new();

        public int Compare(AdvisoryHost? x, AdvisoryHost? y) =>
            (x, y) switch
            {
                (null, null) => 0,
                (null, _) => -1,
                (_, null) => 1,
                _ => string.CompareOrdinal(x.Hostname, y.Hostname) is var h and not 0 ? h
                    : x.EffectiveFrom.CompareTo(y.EffectiveFrom) is var d and not 0 ? d
                    : string.CompareOrdinal(x.Reason, y.Reason),
            };
    }
}
