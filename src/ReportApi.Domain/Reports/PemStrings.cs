using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ReportApi.Domain.Reports;

/// <summary>
/// One string per distinct certificate text, shared by every report that carries it. An incident is thousands of
/// reports a second showing the same two or three certificates; decoding each PEM into a new string was ≈ 30 % of the
/// service's allocations under ingest load. The key is the JSON string token's bytes as sent (escapes included), so
/// a hit costs a hash and a byte comparison and the text is exactly what <see cref="JsonElement.GetString"/> gives.
/// Bounded: two generations of <see cref="GenerationSize"/> entries; a flood of never-seen certificates turns them
/// over without holding more (the certificates many reports share are promoted back on their next hit).
/// </summary>
internal static class PemStrings
{
    private const int GenerationSize = 512;

    /// <summary>Tokens longer than this (a malformed or padded "certificate") are decoded as before and not kept.</summary>
    private const int MaxTokenBytes = 16 * 1024;

    private static readonly Lock Gate = new();
    private static Generation current = new();
    private static Generation previous = new();

    public static string Get(JsonElement token)
    {
        var raw = JsonMarshal.GetRawUtf8Value(token);
        if (raw.Length > MaxTokenBytes) return token.GetString()!;

        var hash = Hash(raw);
        var now = current;
        if (now.Find(hash, raw) is { } text) return text;
        if (previous.Find(hash, raw) is { } older)
        {
            Add(now, hash, new Entry(raw.ToArray(), older));
            return older;
        }

        var decoded = token.GetString()!;
        Add(now, hash, new Entry(raw.ToArray(), decoded));
        return decoded;
    }

    private static void Add(Generation generation, int hash, Entry entry)
    {
        generation.TryAdd(hash, entry);
        if (generation.Count < GenerationSize) return;
        lock (Gate)
        {
            if (ReferenceEquals(current, generation))
            {
                previous = generation;
                current = new Generation();
            }
        }
    }

    private static int Hash(ReadOnlySpan<byte> raw)
    {
        var hash = new HashCode();
        hash.AddBytes(raw);
        return hash.ToHashCode();
    }

    private sealed record Entry(byte[] Raw, string Text);

    private sealed class Generation
    {
        private readonly ConcurrentDictionary<int, Entry> entries = new();
        private int count;

        public int Count => Volatile.Read(ref count);

        public string? Find(int hash, ReadOnlySpan<byte> raw) =>
            entries.TryGetValue(hash, out var entry) && raw.SequenceEqual(entry.Raw) ? entry.Text : null;

        /// <summary>Nothing when the generation is full or another token already holds the hash (that one stays).</summary>
        public void TryAdd(int hash, Entry entry)
        {
            if (Count < GenerationSize && entries.TryAdd(hash, entry)) Interlocked.Increment(ref count);
        }
    }
}
