using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// The roots a reported chain is judged against: the OS store (optional) plus the operator's own roots
/// (<c>Diagnosis:TrustedRootsFile</c>). Immutable after construction and safe to share between threads: every
/// <see cref="Verify"/> call builds its own <see cref="X509Chain"/>, and the shared root certificates are only read.
/// The host keeps one instance for the process lifetime and disposes it at shutdown.
/// </summary>
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

    private readonly X509Certificate2Collection roots;
    private readonly Dictionary<string, string> rootSubjectsBySpki;

    private TrustAnchors(X509Certificate2Collection roots, bool useSystemStore)
    {
        this.roots = roots;
        UseSystemStore = useSystemStore;
        rootSubjectsBySpki = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            rootSubjectsBySpki.TryAdd(CertificateInfoReader.SpkiSha256(root), root.Subject);
        }
    }

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
    /// <paramref name="verificationTime"/>. Tries the system store first, then the operator roots
    /// (<see cref="X509ChainTrustMode.CustomRootTrust"/> excludes system roots, so the two are separate attempts).
    /// Never downloads missing intermediates or revocation data.
    /// </summary>
    public ChainVerification Verify(X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(intermediates);

        ChainVerification? system = null;
        if (UseSystemStore)
        {
            system = Build(leaf, intermediates, verificationTime, customRoots: false);
            if (system.Trusted)
            {
                return system;
            }
        }

        if (roots.Count > 0 || system is null)
        {
            var custom = Build(leaf, intermediates, verificationTime, customRoots: true);
            if (custom.Trusted || system is null)
            {
                return custom;
            }
        }

        return system;
    }

    public void Dispose()
    {
        // The shared static instances hold no certificates, so disposing them is harmless.
        foreach (var root in roots)
        {
            root.Dispose();
        }
    }

    private ChainVerification Build(
        X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates, DateTimeOffset verificationTime, bool customRoots)
    {
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

        if (customRoots)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(roots);
        }

        X509ChainStatusFlags flags;
        try
        {
            chain.Build(leaf);
            flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) & ~IgnoredFlags;
        }
        catch (CryptographicException)
        {
            flags = X509ChainStatusFlags.PartialChain;
        }

        var path = ReadPath(chain, leaf, intermediates);
        // An empty custom store cannot anchor anything, whatever the platform reports for it.
        var trusted = (flags & TrustFailureFlags) == 0 && path.Count > 0 && (!customRoots || roots.Count > 0);
        if (!trusted && (flags & TrustFailureFlags) == 0)
        {
            flags |= X509ChainStatusFlags.UntrustedRoot;
        }

        return new ChainVerification(trusted, trusted ? (customRoots ? OperatorRootsName : SystemStoreName) : null, flags, path);
    }

    private IReadOnlyList<ChainPathElement> ReadPath(X509Chain chain, X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates)
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
            if (!IsInput(certificate, leaf, intermediates))
            {
                certificate.Dispose();
            }
        }

        return path;
    }

    // By reference: X509Certificate.Equals compares issuer and serial, which would match a fresh copy too.
    private bool IsInput(X509Certificate2 certificate, X509Certificate2 leaf, IReadOnlyCollection<X509Certificate2> intermediates)
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

        foreach (var root in roots)
        {
            if (ReferenceEquals(certificate, root))
            {
                return true;
            }
        }

        return false;
    }
}
