using System.Runtime.InteropServices;

namespace ReportApi.Infrastructure;

/// <summary>Content equality for digests used as dictionary keys (dedup keys), without a hex string per report.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    // The keys are SHA-256 digests: their first bytes are already uniformly distributed.
    public int GetHashCode(byte[] obj) =>
        obj.Length >= sizeof(int) ? MemoryMarshal.Read<int>(obj) : HashCode.Combine(obj.Length, obj.Length > 0 ? obj[0] : 0);
}
