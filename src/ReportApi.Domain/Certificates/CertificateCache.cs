using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Certificates;

/// <summary>
/// Parsed certificates by the SHA-256 of their DER: an intermediate or CA that appeared in one report is never decoded
/// by OpenSSL again (decoding is most of the cost of a never-seen chain, and every new leaf of a CDN or an
/// interception product arrives with the same issuer). The facts are a pure function of the DER, so caching them keeps
/// the parser pure. Bounded by forgetting everything past <see cref="Capacity"/>: a stream of unique certificates only
/// costs the parsing it would have cost anyway. Entries keep their <see cref="X509Certificate2"/> for chain building
/// and hostname checks; evicted ones are released by the GC (they are shared, so nobody disposes them).
/// </summary>
internal static class CertificateCache
{
    public const int Capacity = 8192;

    private static readonly ConcurrentDictionary<UInt128, CertificateInfo> Entries = new();

    public static int Count => Entries.Count;

    public static bool TryGet(UInt128 derSha256, out CertificateInfo info) => Entries.TryGetValue(derSha256, out info!);

    public static void Add(UInt128 derSha256, CertificateInfo info)
    {
        if (Entries.Count >= Capacity) Entries.Clear();
        Entries.TryAdd(derSha256, info);
    }
}
