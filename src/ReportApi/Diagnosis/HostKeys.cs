using ReportApi.Domain.Diagnosis;

namespace ReportApi.Diagnosis;

/// <summary>
/// One host's key history as the diagnosis sees it. <see cref="Version"/> is derived from the set of keys (their count
/// and their SPKI hashes): verdicts are cached under it, so a verdict made with one set is never served with another,
/// whether the set was read from the database or merged in by this process's writer.
/// </summary>
public sealed record HostKeys(long Version, IReadOnlyDictionary<string, SeenKey> Keys)
{
    public static HostKeys Empty { get; } = new(0, new Dictionary<string, SeenKey>(StringComparer.Ordinal));

    public static HostKeys Create(IReadOnlyDictionary<string, SeenKey> keys)
    {
        if (keys.Count == 0) return Empty;
        // An SPKI pin is base64 of a SHA-256: its first 8 bytes are already a uniform hash. XOR is order-independent.
        long mixed = 0;
        Span<byte> bytes = stackalloc byte[32];
        foreach (var spki in keys.Keys)
        {
            mixed ^= Convert.TryFromBase64String(spki, bytes, out var written) && written >= 8
                ? BitConverter.ToInt64(bytes)
                : StringComparer.Ordinal.GetHashCode(spki);
        }

        // Mixed with the count, lowest bit set: never 0, the empty history's version.
        return new HostKeys((mixed & ~0xFFFFL) | (long)(uint)(keys.Count & 0xFFFF) | 1L, keys);
    }

    /// <summary>This history with <paramref name="added"/> keys put in (a key already held is replaced).</summary>
    public HostKeys With(IEnumerable<KeyValuePair<string, SeenKey>> added)
    {
        var merged = new Dictionary<string, SeenKey>(Keys, StringComparer.Ordinal);
        foreach (var (spki, key) in added) merged[spki] = key;
        return Create(merged);
    }
}
