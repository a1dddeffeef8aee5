namespace ReportApi.Scope;

/// <summary>One (app, platform, host, reason) of the out-of-scope tally: how many reports, first and last seen.</summary>
public sealed record ScopeRejection(string App, string Platform, string Hostname, string Reason, long Reports,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen)
{
    public ScopeRejection Merge(ScopeRejection other) => this with
    {
        Reports = Reports + other.Reports,
        FirstSeen = FirstSeen < other.FirstSeen ? FirstSeen : other.FirstSeen,
        LastSeen = LastSeen > other.LastSeen ? LastSeen : other.LastSeen,
    };
}

/// <summary>
/// Out-of-scope reports counted in memory on this replica until <see cref="ScopeRejectionFlusher"/> adds them to
/// <c>scope_rejections</c>: a flood of forged reports costs a dictionary update each, never a database write. Bounded:
/// past <see cref="MaxKeys"/> distinct keys, new keys fold into one '(other)' key per reason.
/// </summary>
internal sealed class ScopeRejections
{
    public const int MaxKeys = 10_000;
    public const string Other = "(other)";
    private const int MaxLength = 200;
    private Dictionary<(string, string, string, string), ScopeRejection> _pending = [];
    private readonly Lock _gate = new();

    public void Add(string? app, string? platform, string hostname, string reason, DateTimeOffset at)
    {
        var key = (Clip(app), Clip(platform), Clip(hostname), reason);
        lock (_gate)
        {
            if (!_pending.ContainsKey(key) && _pending.Count >= MaxKeys) key = (Other, Other, Other, reason);
            var entry = new ScopeRejection(key.Item1, key.Item2, key.Item3, reason, 1, at, at);
            _pending[key] = _pending.TryGetValue(key, out var seen) ? seen.Merge(entry) : entry;
        }
    }

    /// <summary>Takes everything counted since the last drain (the flusher puts it back if the write fails).</summary>
    public IReadOnlyList<ScopeRejection> Drain()
    {
        lock (_gate)
        {
            var drained = _pending.Values.ToList();
            _pending = [];
            return drained;
        }
    }

    public void Restore(IEnumerable<ScopeRejection> entries)
    {
        foreach (var e in entries)
        {
            lock (_gate)
            {
                var key = (e.App, e.Platform, e.Hostname, e.Reason);
                _pending[key] = _pending.TryGetValue(key, out var seen) ? seen.Merge(e) : e;
            }
        }
    }

    /// <summary>What this replica counted and has not flushed yet, so the API shows a rejection at once.</summary>
    public IReadOnlyList<ScopeRejection> Pending()
    {
        lock (_gate) return [.. _pending.Values];
    }

    // Header-sized values at most: the tally is for reading, not for storing whatever an attacker sends.
    private static string Clip(string? value) => value is null ? "" : value.Length <= MaxLength ? value : value[..MaxLength];
}
