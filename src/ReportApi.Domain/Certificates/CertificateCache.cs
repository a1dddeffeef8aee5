using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Certificates;

/// <summary>
/// Parsed certificates by the SHA-256 of their DER: an intermediate or CA that appeared in one report is never decoded
/// by OpenSSL again (decoding is most of the cost of a never-seen chain, and every new leaf of a CDN or an
/// interception product arrives with the same issuer). The facts are a pure function of the DER, so caching them keeps
/// the parser pure. Two generations of up to <see cref="Capacity"/> entries each: when the young one is full it
/// becomes the old one and the previous old one is dropped; a hit in the old one is copied back. A flood of unique
/// leaves therefore costs only the parsing it would have cost anyway, and the issuers in use survive it. Entries keep
/// their <see cref="X509Certificate2"/> for chain building and hostname checks; dropped ones are released by the GC
/// (they are shared, so nobody disposes them).
/// </summary>
internal static class CertificateCache
{
    public const int Capacity = 2048;

    private static volatile Generation young = new();
    private static volatile Generation old = new();
    private static readonly Lock Turnover = new();

    public static bool TryGet(UInt128 derSha256, out CertificateInfo info)
    {
        if (young.Entries.TryGetValue(derSha256, out info!))
        {
            return true;
        }

        if (!old.Entries.TryGetValue(derSha256, out info!))
        {
            return false;
        }

        Add(derSha256, info);
        return true;
    }

    public static void Add(UInt128 derSha256, CertificateInfo info)
    {
        var current = young;
        if (current.Count >= Capacity)
        {
            lock (Turnover)
            {
                if (young == current)
                {
                    old = current;
                    young = new Generation();
                }
            }

            current = young;
        }

        if (current.Entries.TryAdd(derSha256, info))
        {
            Interlocked.Increment(ref current.Count);
        }
    }

    // ConcurrentDictionary.Count takes every bucket lock; an interlocked counter is enough for a bound.
    private sealed class Generation
    {
        public readonly ConcurrentDictionary<UInt128, CertificateInfo> Entries = new();
        public int Count;
    }
}
