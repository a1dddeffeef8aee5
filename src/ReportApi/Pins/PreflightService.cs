using Microsoft.Extensions.Options;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Pins;

namespace ReportApi.Pins;

/// <summary>
/// The pre-flight verdict of a chain for a host against the inventory: <see cref="PreflightEvaluator"/> (pure, in the
/// domain) over the configurations and device counts of <see cref="PinInventoryStore"/>. Used by <c>POST /v1/preflight</c>,
/// the host chains (advisory) and the console.
/// </summary>
public sealed class PreflightService(PinInventoryStore store, DiagnosisService diagnosis, HostKeyHistory history, IOptions<PinsOptions> options)
{
    /// <summary>
    /// The verdict of <paramref name="parsed"/> for <paramref name="hostname"/>, as devices will judge it at
    /// <paramref name="at"/> (now for the pre-flight and a live chain; a planned chain's first day otherwise): the chain's
    /// validity and trust, and whether pins have expired by then. Which configurations count is decided at <paramref name="now"/>.
    /// <paramref name="useKeyHistory"/>: name a remembered intermediate an untrusted chain omits (the pre-flight does).
    /// </summary>
    public async Task<PreflightResponse> EvaluateAsync(
        ParsedChain parsed, string hostname, DateTimeOffset at, DateTimeOffset now, bool useKeyHistory, CancellationToken ct)
    {
        var o = options.Value;
        var since = now.AddDays(-o.RecentDays);
        var rows = await store.PreflightCandidatesAsync(since, hostname, ct);
        // The key history of the host and of the pinning policies that cover it (a wildcard policy's noted hostname).
        var seen = new Dictionary<string, SeenKey>(StringComparer.Ordinal);
        if (useKeyHistory)
        {
            foreach (var host in rows.Select(r => r.NotedHostname).Prepend(hostname).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                foreach (var (spki, key) in history.Get(host).Keys) seen.TryAdd(spki, key);
            }
        }
        var chain = PreflightEvaluator.Analyze(parsed, hostname, diagnosis.Anchors, at, o.ExpiringWithinDays, seen);
        var matches = rows.ToDictionary(r => r.Id, r => PreflightEvaluator.Match(r.Sha256Pins, chain));
        var failing = rows.Where(r => matches[r.Id].Count == 0).Select(r => r.Id).ToArray();
        // Per-row counts of every configuration, the distinct total only over the failing ones: at 10 M reports each query
        // reads a busy host's whole device set, and computing both for both sets doubled the pre-flight (1.3 s).
        var devices = await store.RecentDevicesPerRowAsync([.. rows.Select(r => r.Id)], since, ct);
        var affected = await store.RecentDistinctDevicesAsync(failing, since, ct);
        var today = DateOnly.FromDateTime(at.UtcDateTime);

        var versions = rows.Select(r =>
        {
            var m = matches[r.Id];
            var recent = devices.GetValueOrDefault(r.Id);
            return m.Count > 0
                ? new PreflightVersion(r.App, r.Version, r.Platform, r.NotedHostname, "pass", "none", m, r.Sha256Pins.Length, recent, 0,
                    r.LastSeen, r.ExpirationDate, $"{m[0].Pin} names the {m[0].Role} at position {m[0].Position} ({m[0].Subject}).")
                : Fail(r, recent, today, o.RecentDays);
        }).ToList();

        var warnings = chain.Warnings.ToList();
        if (rows.Count == 0) warnings.Add($"No app configuration pinning {hostname} was seen in the last {o.RecentDays} days.");
        var verdict = rows.Count == 0 ? "no-data" : failing.Length > 0 ? "fail" : "pass";
        return new PreflightResponse(hostname, verdict, rows.Count, rows.Count - failing.Length, failing.Length, affected,
            chain.Trusted, chain.Keys, warnings, versions, await store.DataThroughAsync(ct), o.RecentDays);
    }

    private static PreflightVersion Fail(InventoryRow r, long devices, DateOnly today, int recentDays)
    {
        var (impact, consequence) = r switch
        {
            { ExpirationDate: { } date } when date < today => ("pins-expired", $" Its pins expired on {date:yyyy-MM-dd}, so TrustKit no longer enforces them."),
            { EnforcePinning: false } => ("report-only", " Pinning is not enforced: connections go on, but every one sends a report."),
            _ => ("blocked", ""),
        };
        var reason = r.Sha256Pins.Length == 0
            ? "It has no well-formed pin."
            : $"None of its {r.Sha256Pins.Length} pins names a key of the new chain; {devices} device(s) seen in the last {recentDays} days would fail.";
        return new PreflightVersion(r.App, r.Version, r.Platform, r.NotedHostname, "fail", impact, [], r.Sha256Pins.Length, devices, devices,
            r.LastSeen, r.ExpirationDate, reason + consequence);
    }
}
