using System.Security.Cryptography;
using System.Text;

namespace ReportApi.Ingestion;

/// <summary>
/// Cache key of a chain as sent: SHA-256 of its raw PEM strings. Hashing 5 KB costs microseconds; parsing the
/// X.509 certificates it stands for costs a hundred times more.
/// </summary>
internal readonly record struct ChainKey(UInt128 Value)
{
    public static ChainKey Of(IReadOnlyList<string> pems)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var pem in pems)
        {
            BitConverter.TryWriteBytes(length, pem.Length);
            hash.AppendData(length);
            hash.AppendData(Encoding.UTF8.GetBytes(pem));
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new ChainKey(BitConverter.ToUInt128(digest));
    }
}
