using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// The built paths of issuers, by (issuer DER, the set of reported certificates, verification day), so a never-seen
/// leaf under a known issuer is verified with one signature check instead of a chain build. Bounded by forgetting
/// everything past <see cref="Capacity"/> entries.
/// </summary>
internal sealed class IssuerPaths
{
    public const int Capacity = 4096;

    // The extensions a leaf may mark critical without the builder reacting to them (RFC 5280 end-entity set).
    private static readonly HashSet<string> PlainCriticalExtensions = new(StringComparer.Ordinal)
    {
        "2.5.29.15", // key usage
        "2.5.29.17", // subject alternative name
        "2.5.29.19", // basic constraints
        "2.5.29.37", // extended key usage
    };

    // Constraints that apply to the certificates below a CA: a path built for the CA itself would not show their effect.
    private static readonly string[] ConstrainingExtensions = ["2.5.29.30", "2.5.29.33", "2.5.29.36", "2.5.29.54"];

    private readonly ConcurrentDictionary<Key, IssuerPath?> entries = new();
    private long hits;
    private int added;

    public long Hits => Interlocked.Read(ref hits);

    public readonly record struct Key(UInt128 Issuer, UInt128 Reported, int Day);

    public IssuerPath? GetOrAdd(Key key, Func<IssuerPath?> build)
    {
        if (entries.TryGetValue(key, out var path))
        {
            Interlocked.Increment(ref hits);
            return path;
        }

        // Issuers are few (an incident or a flood repeats a handful); clearing at the bound is enough.
        if (Interlocked.Increment(ref added) > Capacity)
        {
            entries.Clear();
            Interlocked.Exchange(ref added, 0);
        }

        path = build();
        entries.TryAdd(key, path);
        return path;
    }

    public static UInt128 Hash(byte[] der)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(der, digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    /// <summary>
    /// Whether a built path (element 0 = the issuer as target) stays valid with one more certificate below it: the
    /// issuer is a CA allowed to sign certificates, every path length limit leaves room for it, and no certificate
    /// carries name or policy constraints (their effect on the leaf is the builder's to judge).
    /// </summary>
    public static bool CanExtend(X509Chain chain)
    {
        var elements = chain.ChainElements;
        if (elements.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < elements.Count; i++)
        {
            var certificate = elements[i].Certificate;
            X509BasicConstraintsExtension? constraints = null;
            X509KeyUsageExtension? usage = null;
            foreach (var extension in certificate.Extensions)
            {
                switch (extension)
                {
                    case X509BasicConstraintsExtension b: constraints = b; break;
                    case X509KeyUsageExtension k: usage = k; break;
                    default:
                        if (Array.IndexOf(ConstrainingExtensions, extension.Oid?.Value) >= 0) return false;
                        break;
                }
            }

            if (i == 0 && (constraints is not { CertificateAuthority: true }
                || (usage is not null && (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)))
            {
                return false;
            }

            // Conservative: counts every certificate between this one and the leaf, self-issued or not.
            if (i > 0 && constraints is { HasPathLengthConstraint: true } && constraints.PathLengthConstraint < i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A leaf the issuer path may be extended with: names and key identifiers chain, no unusual critical extension.</summary>
    public static bool LeafIsPlain(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        foreach (var extension in leaf.Extensions)
        {
            if (extension.Critical && !PlainCriticalExtensions.Contains(extension.Oid?.Value ?? ""))
            {
                return false;
            }

            if (extension is X509AuthorityKeyIdentifierExtension aki)
            {
                if (aki.NamedIssuer is not null || aki.SerialNumber is not null || aki.KeyIdentifier is not { } keyId)
                {
                    return false;
                }

                var ski = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
                if (ski is not null && !Convert.FromHexString(ski.SubjectKeyIdentifier ?? "").AsSpan().SequenceEqual(keyId.Span))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>An issuer's built path and its public key, to check the signatures of the leaves it issued.</summary>
internal sealed class IssuerPath
{
    private readonly Lock gate = new();
    private readonly ECDsa? ecdsa;
    private readonly RSA? rsa;

    private IssuerPath(ChainVerification verification, ECDsa? ecdsa, RSA? rsa)
    {
        Verification = verification;
        this.ecdsa = ecdsa;
        this.rsa = rsa;
    }

    public ChainVerification Verification { get; }

    /// <summary>Null when the path cannot be extended or the issuer's key is neither ECDSA nor RSA.</summary>
    public static IssuerPath? Create(X509Certificate2 issuer, ChainVerification verification, bool usable)
    {
        if (!usable)
        {
            return null;
        }

        try
        {
            var ecdsa = issuer.GetECDsaPublicKey();
            var rsa = ecdsa is null ? issuer.GetRSAPublicKey() : null;
            return ecdsa is null && rsa is null ? null : new IssuerPath(verification, ecdsa, rsa);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Whether the leaf's signature (ECDSA or RSA PKCS#1 v1.5 with SHA-2) verifies under this issuer's key.</summary>
    public bool VerifiesSignatureOf(X509Certificate2 leaf)
    {
        try
        {
            var certificate = new AsnReader(leaf.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = certificate.ReadEncodedValue();
            var algorithm = certificate.ReadSequence().ReadObjectIdentifier();
            var signature = certificate.ReadBitString(out var unusedBits);
            if (unusedBits != 0)
            {
                return false;
            }

            var (hash, isEcdsa) = algorithm switch
            {
                "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, true),
                "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, true),
                "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, true),
                "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, false),
                "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, false),
                "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, false),
                _ => (default, false),
            };
            if (hash == default)
            {
                return false;
            }

            // Key objects are not documented as thread-safe; a verify is tens of microseconds, so a lock is cheap.
            lock (gate)
            {
                return isEcdsa
                    ? ecdsa is not null && ecdsa.VerifyData(tbs.Span, signature, hash, DSASignatureFormat.Rfc3279DerSequence)
                    : rsa is not null && rsa.VerifyData(tbs.Span, signature, hash, RSASignaturePadding.Pkcs1);
            }
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException)
        {
            return false;
        }
    }
}
