using System.Runtime.InteropServices;
using System.Text.Json;
using ReportApi.Domain.Caching;

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

    private static readonly BoundedCache<int, Entry> Texts = new(GenerationSize);

    public static string Get(JsonElement token)
    {
        var raw = JsonMarshal.GetRawUtf8Value(token);
        if (raw.Length > MaxTokenBytes) return token.GetString()!;

        var hash = Hash(raw);
        // Another token with the same hash keeps its entry; this one is decoded every time (exact either way).
        if (Texts.TryGet(hash, out var known) && raw.SequenceEqual(known.Raw)) return known.Text;
        var decoded = token.GetString()!;
        Texts.Add(hash, new Entry(raw.ToArray(), decoded));
        return decoded;
    }

    private static int Hash(ReadOnlySpan<byte> raw)
    {
        var hash = new HashCode();
        hash.AddBytes(raw);
        return hash.ToHashCode();
    }

    private sealed record Entry(byte[] Raw, string Text);
}
