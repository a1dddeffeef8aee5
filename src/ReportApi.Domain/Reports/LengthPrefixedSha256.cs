using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ReportApi.Domain.Reports;

/// <summary>
/// THE one hash behind every stored report identity (<see cref="DedupKey"/>, <see cref="PinSet"/> fingerprints,
/// <see cref="ChainKey"/>, the chain fingerprint of <c>Certificates.ChainParser</c>): SHA-256 over fields, each
/// preceded by its length as a 32-bit integer, so field boundaries are part of the hash ("ab" + "c" ≠ "a" + "bc").
/// The identities are stored (dedup keys, pin-set ids, chain fingerprints), so the byte layout of each caller is
/// frozen: which length goes in front (bytes, or UTF-16 code units for the pin and PEM texts), which encoding follows,
/// and the chain fingerprint's big-endian lengths are history, pinned by golden vectors (ReportIdentityGoldenTests).
/// Nothing here allocates per field: text is transcoded on the stack (pooled when long) or hashed in place.
/// </summary>
public ref struct LengthPrefixedSha256 : IDisposable
{
    private const int StackLimit = 512;
    private readonly IncrementalHash _hash;
    private readonly bool _bigEndian;

    private LengthPrefixedSha256(bool bigEndianLengths)
    {
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _bigEndian = bigEndianLengths;
    }

    /// <summary>Lengths little-endian (dedup keys, pin sets, chain cache keys).</summary>
    public static LengthPrefixedSha256 Create() => new(bigEndianLengths: false);

    /// <summary>Lengths big-endian: the stored chain fingerprint's layout since its first release.</summary>
    public static LengthPrefixedSha256 CreateBigEndian() => new(bigEndianLengths: true);

    /// <summary>A field: its byte length, then its bytes.</summary>
    public readonly void Append(ReadOnlySpan<byte> field) => Append(field.Length, field);

    /// <summary>A field whose recorded length is not its byte count (the frozen layouts of pin sets and chain keys).</summary>
    public readonly void Append(int length, ReadOnlySpan<byte> content)
    {
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        if (_bigEndian) BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        else BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
        _hash.AppendData(prefix);
        _hash.AppendData(content);
    }

    /// <summary>A 32-bit integer as a 4-byte field (little-endian).</summary>
    public readonly void AppendInt32(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Append(bytes);
    }

    /// <summary>Text as UTF-16 code units, hashed in place (no transcoding); the length in code units.</summary>
    public readonly void AppendUtf16(ReadOnlySpan<char> text) => Append(text.Length, MemoryMarshal.AsBytes(text));

    /// <summary>Text as UTF-8; the length in UTF-8 bytes.</summary>
    public readonly void AppendUtf8(ReadOnlySpan<char> text) => AppendUtf8(text, lengthInChars: false);

    /// <summary>Text as UTF-8 after its length in UTF-16 code units: the pin-set fingerprint's layout.</summary>
    public readonly void AppendUtf8CharCounted(ReadOnlySpan<char> text) => AppendUtf8(text, lengthInChars: true);

    /// <summary>The digest (32 bytes), as a new array: the stored identities are arrays.</summary>
    public readonly byte[] Finish() => _hash.GetHashAndReset();

    /// <summary>The digest into <paramref name="digest"/> (32 bytes): no allocation.</summary>
    public readonly void Finish(Span<byte> digest) => _hash.GetHashAndReset(digest);

    public readonly void Dispose() => _hash.Dispose();

    private readonly void AppendUtf8(ReadOnlySpan<char> text, bool lengthInChars)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var written = Encoding.UTF8.GetBytes(text, buffer);
            Append(lengthInChars ? text.Length : written, buffer[..written]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
