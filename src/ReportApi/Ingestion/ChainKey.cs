using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ReportApi.Ingestion;

/// <summary>
/// Cache key of a chain as sent: SHA-256 over the SHA-256 of each raw PEM string (its UTF-16 code units, hashed in
/// place: no transcoding). A PEM's digest is remembered with the string itself: the parser hands every report that
/// carries a certificate the same string (<c>PemStrings</c>), so a known chain is keyed without hashing its text
/// again. Cryptographic on purpose: the strings are chosen by clients, and a collision would let one report borrow
/// another chain's analysis.
/// </summary>
internal readonly record struct ChainKey(UInt128 Value)
{
    // Entries live as long as their string: no bound needed, and a string nobody holds takes its digest with it.
    private static readonly ConditionalWeakTable<string, byte[]> PemDigests = new();

    public static ChainKey Of(IReadOnlyList<string> pems)
    {
        Span<byte> digests = stackalloc byte[32 * 8];
        var total = pems.Count * 32;
        var buffer = total <= digests.Length ? digests[..total] : new byte[total];
        for (var i = 0; i < pems.Count; i++) DigestOf(pems[i]).CopyTo(buffer[(i * 32)..]);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(buffer, digest);
        return new ChainKey(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    private static byte[] DigestOf(string pem) =>
        PemDigests.TryGetValue(pem, out var known) ? known : PemDigests.GetValue(pem, static p => SHA256.HashData(MemoryMarshal.AsBytes(p.AsSpan())));

    /// <summary>The first 128 bits of a SHA-256 fingerprint (chain or pin set), as a cache key without a hex string.</summary>
    public static UInt128 Of(byte[] sha256) => BinaryPrimitives.ReadUInt128LittleEndian(sha256);
}
