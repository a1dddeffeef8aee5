using System.Buffers.Binary;

namespace ReportApi.Domain.Reports;

/// <summary>
/// Cache key of a chain as sent: SHA-256 of its raw PEM strings (their UTF-16 code units, hashed in place: no
/// transcoding, no allocation per PEM). Hashing 10 KB costs microseconds; decoding the X.509 certificates it stands
/// for costs a hundred times more. Cryptographic on purpose: the strings are chosen by clients, and a collision would
/// let one report borrow another chain's analysis.
/// </summary>
public readonly record struct ChainKey(UInt128 Value)
{
    public static ChainKey Of(IReadOnlyList<string> pems)
    {
        ArgumentNullException.ThrowIfNull(pems);
        using var hash = LengthPrefixedSha256.Create();
        foreach (var pem in pems) hash.AppendUtf16(pem);
        Span<byte> digest = stackalloc byte[32];
        hash.Finish(digest);
        return new ChainKey(BinaryPrimitives.ReadUInt128LittleEndian(digest));
    }

    /// <summary>The first 128 bits of a SHA-256 fingerprint (chain or pin set), as a cache key without a hex string.</summary>
    public static UInt128 Of(byte[] sha256) => BinaryPrimitives.ReadUInt128LittleEndian(sha256);
}
