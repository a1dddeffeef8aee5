using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using ReportApi.Domain.Diagnosis;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Diagnosis;

/// <summary>
/// Reads the host key history (<see cref="HostKeysSql"/>) through a bounded per-host cache. An entry is served until
/// <c>Diagnosis:HistoryRefreshInterval</c> has passed; after that the ingest fast path still serves it while one
/// background refresh runs (ingest never waits for the database here), and the slow paths reload it. The writer of
/// this replica merges the keys it commits into the host's entry at once (no reload, and known-chain reports keep
/// their fast path during a flood of new chains); other replicas see them after the interval.
/// </summary>
public sealed partial class HostKeyHistory(NpgsqlDataSource dataSource, IOptions<DiagnosisOptions> options, ILogger<HostKeyHistory> logger)
{
    private const int MaxHosts = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _hosts = new(StringComparer.Ordinal);

    /// <summary>The cached history when there is one, fresh or stale (a stale one is refreshed in the background).</summary>
    public bool TryGet(string host, out HostKeys keys)
    {
        if (!_hosts.TryGetValue(host, out var entry))
        {
            keys = HostKeys.Empty;
            return false;
        }

        if (IsStale(entry) && Interlocked.Exchange(ref entry.Refreshing, 1) == 0)
        {
            _ = Task.Run(() => Load(host));
        }

        keys = entry.Keys;
        return true;
    }

    /// <summary>The history, loaded now when absent or stale (slow paths: the new-chain lane, queries, rediagnose).</summary>
    public HostKeys Get(string host) =>
        _hosts.TryGetValue(host, out var entry) && !IsStale(entry) ? entry.Keys : Load(host);

    /// <summary>Put keys the writer just committed into the host's cached entry (nothing when the host is not cached).</summary>
    public void Merge(string host, IReadOnlyCollection<KeyValuePair<string, SeenKey>> keys)
    {
        if (keys.Count == 0) return;
        // Compare-and-swap: a concurrent refresh or merge either sees these keys or is redone with them.
        while (_hosts.TryGetValue(host, out var entry))
        {
            var merged = new Entry(entry.Keys.With(keys), entry.LoadedAt);
            if (_hosts.TryUpdate(host, merged, entry)) return;
        }
    }

    private bool IsStale(Entry entry) => Stopwatch.GetElapsedTime(entry.LoadedAt) > options.Value.HistoryRefreshInterval;

    private HostKeys Load(string host)
    {
        HostKeys keys;
        try
        {
            keys = Read(host);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The diagnosis still works without history (it names fewer keys); the entry is retried at the next refresh.
            LogLoadFailed(e, host);
            keys = _hosts.TryGetValue(host, out var old) ? old.Keys : HostKeys.Empty;
        }

        if (_hosts.Count >= MaxHosts) _hosts.Clear();
        _hosts[host] = new Entry(keys, Stopwatch.GetTimestamp());
        return keys;
    }

    private HostKeys Read(string host)
    {
        using var command = dataSource.CreateCommand(HostKeysSql.Load);
        command.Parameters.Arg(host).Arg(options.Value.HistoryMaxKeysPerHost);
        using var reader = command.ExecuteReader();
        var keys = new Dictionary<string, SeenKey>(StringComparer.Ordinal);
        int spki = reader.GetOrdinal("spki_sha256"), role = reader.GetOrdinal("role"), subject = reader.GetOrdinal("subject"),
            issuer = reader.GetOrdinal("issuer"), notAfter = reader.GetOrdinal("not_after"), certificate = reader.GetOrdinal("certificate"),
            firstSeen = reader.GetOrdinal("first_seen_at"), lastSeen = reader.GetOrdinal("last_seen_at");
        while (reader.Read())
        {
            keys[reader.GetString(spki)] = new SeenKey(
                reader.GetString(role) switch { "root" => KeyRole.Root, "intermediate" => KeyRole.Intermediate, _ => KeyRole.Leaf },
                reader.GetString(subject),
                reader.GetString(issuer),
                reader.GetFieldValue<DateTimeOffset>(notAfter),
                reader.IsDBNull(certificate) ? null : reader.GetFieldValue<byte[]>(certificate),
                reader.GetFieldValue<DateTimeOffset>(firstSeen),
                reader.GetFieldValue<DateTimeOffset>(lastSeen));
        }

        return HostKeys.Create(keys);
    }

    private sealed class Entry(HostKeys keys, long loadedAt)
    {
        public HostKeys Keys { get; } = keys;
        public long LoadedAt { get; } = loadedAt;
        public int Refreshing;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key history of {Host} could not be read; diagnosing with the cached or an empty one")]
    private partial void LogLoadFailed(Exception exception, string host);
}
