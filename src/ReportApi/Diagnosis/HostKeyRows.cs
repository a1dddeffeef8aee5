using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Diagnosis;

/// <summary>
/// The writer's side of the key history: for a batch, the (host, key) rows of host chains this process has not
/// recorded in the last hour, as one statement for the writer's batch; nothing at all when every chain is remembered,
/// so the steady state of an incident (the same few chains over and over) adds no statement to the hot transaction.
/// last_seen_at is therefore accurate to about an hour.
/// </summary>
internal sealed class HostKeyRows
{
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(1);
    private const int MaxRemembered = 100_000;

    // (noted hostname, chain fingerprint) → when this process last wrote its keys; shared by the writer loops.
    private readonly ConcurrentDictionary<(string Host, UInt128 Chain), DateTimeOffset> _remembered = new();

    /// <summary>A batch's pending rows: the statement to add, and what to remember after the commit.</summary>
    public sealed record Pending(
        NpgsqlBatchCommand Command, IReadOnlyList<(string Host, UInt128 Chain)> Chains,
        IReadOnlyDictionary<string, List<KeyValuePair<string, SeenKey>>> NewKeys);

    /// <summary>
    /// Whether the host chain with this fingerprint is due to be written (not recorded by this process in the last
    /// hour): the writer filters its batch with it before anything is allocated, since in the steady state every host
    /// chain of a batch is remembered.
    /// </summary>
    public bool IsDue(string host, byte[] fingerprint, DateTimeOffset now) =>
        !_remembered.TryGetValue((host, ChainKey.Of(fingerprint)), out var written) || now - written >= RefreshAfter;

    /// <summary>A chain seen in a report: the noted host, the chains as reported, the built path when it is the host's own.</summary>
    public sealed record Seen(string Host, ParsedChain Validated, ParsedChain? Served, IReadOnlyList<ChainPathElement>? HostChain, DateTimeOffset ReceivedAt);

    public Pending? Collect(IEnumerable<Seen> records, DateTimeOffset now)
    {
        Dictionary<(string Host, string Spki), Row>? rows = null;
        List<(string, UInt128)>? chains = null;
        HashSet<string>? newHosts = null; // hosts with a chain this process never recorded: their cached history grows
        foreach (var record in records)
        {
            if (record.HostChain is not { Count: > 0 } path) continue;
            // The first 128 bits of the chain's SHA-256 fingerprint: no hex string per report on the writer's path.
            var key = (record.Host, ChainKey.Of(record.Validated.Fingerprint));
            var known = _remembered.TryGetValue(key, out var written);
            if (known && now - written < RefreshAfter) continue;

            (chains ??= []).Add(key);
            // The CA this chain belongs to: its root (a trusted path ends at an anchor, which is self-issued).
            var ca = path[^1].IsSelfIssued ? path[^1].Subject : path[^1].Issuer;
            if (!known) (newHosts ??= new(StringComparer.Ordinal)).Add(key.Host);
            for (var i = 0; i < path.Count; i++)
            {
                var element = path[i];
                var role = i == 0 ? "leaf" : i == path.Count - 1 && element.IsSelfIssued ? "root" : "intermediate";
                // Only intermediates need their certificate: it proves a leaf-only chain's issuer later. Roots are in the
                // trust store; leaves are named by their key.
                var der = role == "intermediate" ? DerOf(record, element.CertificateSha256) : null;
                rows ??= [];
                var rowKey = (key.Host, element.SpkiSha256);
                if (rows.TryGetValue(rowKey, out var existing))
                {
                    rows[rowKey] = existing with { FirstSeen = Min(existing.FirstSeen, record.ReceivedAt), LastSeen = Max(existing.LastSeen, record.ReceivedAt) };
                }
                else
                {
                    rows[rowKey] = new Row(role, element.Subject, element.Issuer, element.NotAfter, der, record.ReceivedAt, record.ReceivedAt, ca, i);
                }
            }
        }

        if (rows is null) return null;
        // Sorted: concurrent writer loops then lock host_keys rows in one order and cannot deadlock on them.
        var sorted = rows.OrderBy(r => r.Key.Host, StringComparer.Ordinal).ThenBy(r => r.Key.Spki, StringComparer.Ordinal).ToList();
        var command = new NpgsqlBatchCommand(HostKeysSql.Upsert);
        Add(command, sorted.Select(r => r.Key.Host).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Key.Spki).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Value.Role).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Value.Subject).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Value.Issuer).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Value.NotAfter.ToUniversalTime()).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, sorted.Select(r => r.Value.Certificate).ToArray(), NpgsqlDbType.Bytea);
        Add(command, sorted.Select(r => r.Value.FirstSeen.ToUniversalTime()).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, sorted.Select(r => r.Value.LastSeen.ToUniversalTime()).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, sorted.Select(r => r.Value.Ca).ToArray(), NpgsqlDbType.Text);
        Add(command, sorted.Select(r => r.Value.Position).ToArray(), NpgsqlDbType.Integer);
        var newKeys = new Dictionary<string, List<KeyValuePair<string, SeenKey>>>(StringComparer.Ordinal);
        foreach (var ((host, spki), row) in sorted)
        {
            if (newHosts?.Contains(host) != true) continue;
            var role = row.Role switch { "root" => KeyRole.Root, "intermediate" => KeyRole.Intermediate, _ => KeyRole.Leaf };
            if (!newKeys.TryGetValue(host, out var list)) newKeys[host] = list = [];
            list.Add(new(spki, new SeenKey(role, row.Subject, row.Issuer, row.NotAfter, row.Certificate, row.FirstSeen, row.LastSeen)));
        }

        return new Pending(command, chains!, newKeys);
    }

    /// <summary>After the commit: remember the chains, and put their keys into the hosts' cached histories.</summary>
    public void Committed(Pending pending, DateTimeOffset now, HostKeyHistory history)
    {
        if (_remembered.Count > MaxRemembered) _remembered.Clear();
        foreach (var chain in pending.Chains) _remembered[chain] = now;
        foreach (var (host, keys) in pending.NewKeys) history.Merge(host, keys);
    }

    private static byte[]? DerOf(Seen record, string certificateSha256)
    {
        foreach (var certificate in record.Validated.Certificates.Concat(record.Served?.Certificates ?? []))
        {
            if (certificate.CertificateSha256 == certificateSha256) return certificate.Der;
        }

        return null;
    }

    private static void Add<T>(NpgsqlBatchCommand command, T[] values, NpgsqlDbType type) =>
        command.Parameters.Arg(values, NpgsqlDbType.Array | type);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record Row(
        string Role, string Subject, string Issuer, DateTimeOffset NotAfter, byte[]? Certificate, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
        string Ca, int Position);
}
