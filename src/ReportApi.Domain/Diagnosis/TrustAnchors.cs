using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// The roots a reported chain is judged against: the OS store (optional) plus the operator's own roots
/// (<c>Diagnosis:TrustedRootsFile</c>), held in ONE custom trust store so a chain is built once, whatever its anchor;
/// the origin of the anchor it reaches is looked up afterwards. Safe to share between threads: every build uses its
/// own <see cref="X509Chain"/>, the shared root certificates are only read, and the issuer cache is concurrent.
/// The host keeps one instance for the process lifetime and disposes it at shutdown.
/// </summary>
/// <remarks>
/// Issuer cache (issue 21): a never-seen leaf under an issuer seen before (a CDN's leaf per edge, an interception
/// product's leaf per connection) is not built again. The issuer's own path (built once per issuer, reported extras
/// and day) is reused, and only what depends on the leaf is checked here: its signature under the issuer's key, name
/// and key-identifier chaining, and no critical extension the builder would object to. Anything unusual (another
/// candidate issuer, name or policy constraints, a path-length limit the leaf would exceed, an unknown signature
/// algorithm) takes the full build, so verdicts are those of <see cref="X509Chain"/> (a test compares both).
/// </remarks>
public sealed class TrustAnchors : IDisposable
{
    private const string SystemStoreName = "the system trust store";
    private const string OperatorRootsName = "the operator roots (Diagnosis:TrustedRootsFile)";

    // Time validity is judged by the diagnosis itself; revocation is never checked (no network from a pure function).
    private const X509ChainStatusFlags IgnoredFlags =
        X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested | X509ChainStatusFlags.CtlNotTimeValid
        | X509ChainStatusFlags.Revoked | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;

    /// <summary>Flags that mean "this chain does not lead to an anchor we trust", as opposed to "the chain is flawed".</summary>
    private const X509ChainStatusFlags TrustFailureFlags =
        X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotSignatureValid
        | X509ChainStatusFlags.Cyclic | X509ChainStatusFlags.ExplicitDistrust | X509ChainStatusFlags.InvalidBasicConstraints;

    private static readonly Lazy<X509Certificate2Collection> SystemRoots = new(LoadSystemRoots);

    private readonly X509Certificate2Collection roots;
    private readonly Dictionary<string, string> rootSubjectsBySpki;
    private readonly Lazy<AnchorStore> store;
    private readonly IssuerPaths issuerPaths = new();

    private TrustAnchors(X509Certificate2Collection roots, bool useSystemStore)
    {
        this.roots = roots;
        UseSystemStore = useSystemStore;
        rootSubjectsBySpki = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            rootSubjectsBySpki.TryAdd(CertificateInfoReader.SpkiSha256(root), root.Subject);
        }

        store = new Lazy<AnchorStore>(() => AnchorStore.Create(useSystemStore ? SystemRoots.Value : [], roots));
    }

    /// <summary>How many never-seen leaves were verified against a cached issuer path instead of a full build.</summary>
    public long IssuerCacheHits => issuerPaths.Hits;

    /// <summary>Full chain builds so far (cache misses, unusual chains, issuers seen for the first time).</summary>
    public long ChainBuilds => Interlocked.Read(ref chainBuilds);

    private long chainBuilds;

    /// <summary>Trust the OS store only.</summary>
    public static TrustAnchors SystemOnly { get; } = new([], useSystemStore: true);

    /// <summary>Trust nothing: every chain is untrusted (tests, or an operator who wants interception flagged always).</summary>
    public static TrustAnchors None { get; } = new([], useSystemStore: false);

    public bool UseSystemStore { get; }

    public int OperatorRootCount => roots.Count;

    /// <summary>
    /// Loads the operator's PEM bundle (non-certificate PEM blocks are skipped). Throws
    /// <see cref="CryptographicException"/> for a malformed certificate block: a broken trust configuration should
    /// stop the host at start-up, not silently turn every report into "interception".
    /// </summary>
    public static TrustAnchors FromPemBundle(string pem, bool useSystemStore)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return new TrustAnchors(collection, useSystemStore);
    }

    /// <summary>Trust copies of the given certificates (the caller keeps ownership of its instances).</summary>
    public static TrustAnchors FromCertificates(IEnumerable<X509Certificate2> certificates, bool useSystemStore)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var collection = new X509Certificate2Collection();
        foreach (var certificate in certificates)
        {
            collection.Add(X509CertificateLoader.LoadCertificate(certificate.RawData));
        }

        return new TrustAnchors(collection, useSystemStore);
    }

    /// <summary>The subject of an operator root with this base64 SPKI SHA-256, if any (to recognise a pinned root).</summary>
    public string? FindOperatorRoot(string spkiSha256) => rootSubjectsBySpki.GetValueOrDefault(spkiSha256);

    /// <summary>
    /// Builds <paramref name="leaf"/> with <paramref name="intermediates"/> as extra certificates, at
    /// <paramref name="verificationTime"/>, against the system roots (when used) and the operator roots together.
    /// Never downloads missing intermediates or revocation data.
    /// </summary>
    public ChainVerification Verify(X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(intermediates);

        return TryVerifyUnderKnownIssuer(leaf, intermediates, verificationTime) ?? Build(leaf, intermediates, verificationTime, out _);
    }

    /// <summary>The full build, for tests that compare it with the issuer cache.</summary>
    internal ChainVerification VerifyWithoutIssuerCache(X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime) =>
        Build(leaf, intermediates, verificationTime, out _);

    public void Dispose()
    {
        // The shared static instances hold no certificates, so disposing them is harmless.
        foreach (var root in roots)
        {
            root.Dispose();
        }
    }

    private ChainVerification Build(
        X509Certificate2 target, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime, out bool usableAsIssuerPath)
    {
        Interlocked.Increment(ref chainBuilds);
        var anchors = store.Value;
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = verificationTime.UtcDateTime;
        policy.VerificationTimeIgnored = false;
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreNotTimeNested
            | X509VerificationFlags.IgnoreCtlNotTimeValid;
        foreach (var intermediate in intermediates)
        {
            policy.ExtraStore.Add(intermediate);
        }

        // One custom store with every anchor: CustomRootTrust excludes the OS store, so the OS roots are in it too.
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(anchors.All);

        X509ChainStatusFlags flags;
        try
        {
            chain.Build(target);
            flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) & ~IgnoredFlags;
        }
        catch (CryptographicException)
        {
            flags = X509ChainStatusFlags.PartialChain;
        }

        usableAsIssuerPath = IssuerPaths.CanExtend(chain);
        var path = ReadPath(chain, target, intermediates, anchors);
        // An empty store cannot anchor anything, whatever the platform reports for it.
        var trusted = (flags & TrustFailureFlags) == 0 && path.Count > 0 && anchors.All.Count > 0;
        if (!trusted && (flags & TrustFailureFlags) == 0)
        {
            flags |= X509ChainStatusFlags.UntrustedRoot;
        }

        // A root in both sets counts as the system's, as when the system store was tried first.
        var trustedBy = !trusted ? null : anchors.IsSystemRoot(path[^1].CertificateSha256) ? SystemStoreName : OperatorRootsName;
        return new ChainVerification(trusted, trustedBy, flags, path);
    }

    /// <summary>
    /// The verification of a leaf whose single reported issuer has a cached path: that path plus the leaf, after
    /// checking what depends on the leaf. Null when the full build must decide.
    /// </summary>
    private ChainVerification? TryVerifyUnderKnownIssuer(
        X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime)
    {
        var issuerName = leaf.IssuerName.RawData;
        if (issuerName.AsSpan().SequenceEqual(leaf.SubjectName.RawData) || store.Value.HasSubject(issuerName))
        {
            return null; // self-issued, or the store could supply another issuer: let the builder choose
        }

        X509Certificate2? issuer = null;
        UInt128 extras = 0;
        foreach (var candidate in intermediates)
        {
            extras += IssuerPaths.Hash(candidate.RawData); // order-independent: the set of reported certificates
            if (candidate.SubjectName.RawData.AsSpan().SequenceEqual(issuerName))
            {
                if (issuer is not null && !issuer.RawData.AsSpan().SequenceEqual(candidate.RawData))
                {
                    return null; // two candidate issuers (cross-signs): path selection is the builder's business
                }

                issuer = candidate;
            }
        }

        if (issuer is null || !IssuerPaths.LeafIsPlain(leaf, issuer))
        {
            return null;
        }

        var day = DateOnly.FromDateTime(verificationTime.UtcDateTime).DayNumber;
        var path = issuerPaths.GetOrAdd(new IssuerPaths.Key(IssuerPaths.Hash(issuer.RawData), extras, day), () =>
        {
            var others = intermediates.Where(c => !ReferenceEquals(c, issuer)).ToList();
            var verification = Build(issuer, others, verificationTime, out var usable);
            return IssuerPath.Create(issuer, verification, usable);
        });
        if (path is null || !path.VerifiesSignatureOf(leaf))
        {
            return null;
        }

        var element = new ChainPathElement(
            leaf.Subject,
            leaf.Issuer,
            CertificateInfoReader.SpkiSha256(leaf),
            Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)),
            new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            IsSelfIssued: false);
        var upper = path.Verification;
        return upper with { Path = [element, .. upper.Path] };
    }

    private IReadOnlyList<ChainPathElement> ReadPath(X509Chain chain, X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, AnchorStore anchors)
    {
        var path = new List<ChainPathElement>(chain.ChainElements.Count);
        foreach (var element in chain.ChainElements)
        {
            var certificate = element.Certificate;
            path.Add(new ChainPathElement(
                certificate.Subject,
                certificate.Issuer,
                CertificateInfoReader.SpkiSha256(certificate),
                Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
                new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
                new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)));

            // Chain elements are fresh instances on every platform; dispose them unless one is an input we were given.
            if (!IsInput(certificate, leaf, intermediates, anchors))
            {
                certificate.Dispose();
            }
        }

        return path;
    }

    // By reference: X509Certificate.Equals compares issuer and serial, which would match a fresh copy too.
    private static bool IsInput(X509Certificate2 certificate, X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, AnchorStore anchors)
    {
        if (ReferenceEquals(certificate, leaf))
        {
            return true;
        }

        foreach (var intermediate in intermediates)
        {
            if (ReferenceEquals(certificate, intermediate))
            {
                return true;
            }
        }

        foreach (var root in anchors.All)
        {
            if (ReferenceEquals(certificate, root))
            {
                return true;
            }
        }

        return false;
    }

    // The OS roots as .NET's system trust reads them on this platform (machine and user Root stores).
    private static X509Certificate2Collection LoadSystemRoots()
    {
        var all = new X509Certificate2Collection();
        foreach (var location in new[] { StoreLocation.LocalMachine, StoreLocation.CurrentUser })
        {
            try
            {
                using var systemStore = new X509Store(StoreName.Root, location);
                systemStore.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                all.AddRange(systemStore.Certificates);
            }
            catch (CryptographicException)
            {
                // A missing user store is normal (service accounts); a missing machine store leaves the operator roots.
            }
        }

        return all;
    }
}
