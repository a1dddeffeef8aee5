using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Diagnosis;

/// <summary>A key found in the reported chains: on the built path (<see cref="PathIndex"/>) or only reported.</summary>
internal sealed record ChainKey(int? PathIndex, int? ReportedPosition, string Subject, string Issuer, string SpkiSha256);

/// <summary>A path certificate outside its validity period at the receive time.</summary>
internal sealed record TimeProblem(int PathIndex, ChainPathElement Certificate, bool Expired);

/// <summary>Everything the rules look at, computed once per report from the chains and the trust anchors.</summary>
internal sealed record ChainAnalysis(
    string ChainName,
    CertificateInfo Leaf,
    ChainVerification Verification,
    bool HostnameMatches,
    IReadOnlyList<TimeProblem> TimeProblems,
    IReadOnlyList<ChainPathElement> MissingFromServed,
    InterceptionProduct? Product,
    IReadOnlyList<ChainKey> Keys,
    IReadOnlyList<(string Pin, ChainKey Key)> PinMatches,
    X509Certificate2 LeafCertificate,
    IReadOnlyList<X509Certificate2> Others,
    DateTimeOffset At)
{
    public IReadOnlyList<ChainPathElement> Path => Verification.Path;

    /// <summary>The certificate where the built path ends: the root, or where building stopped.</summary>
    public ChainPathElement Top => Path[^1];

    public bool LeafSelfSigned => Leaf.IsSelfIssued && !Verification.Trusted;

    public static ChainAnalysis? Analyze(
        PinFailureReport report, ParsedChain validated, ParsedChain? served, TrustAnchors anchors, DateTimeOffset at)
    {
        // TrustKit compares pins with the validated chain, so that is the chain to judge; a report whose validated chain
        // is empty or unparsable still tells something through the served chain (RFC 7469, Android).
        var (chain, chainName) = validated.Certificates.Any(c => c.Parsed)
            ? (validated, "validated chain")
            : served is not null && served.Certificates.Any(c => c.Parsed) ? (served, "served chain") : (null, "");
        if (chain is null)
        {
            return null;
        }

        var leafInfo = chain.Certificates.First(c => c.Parsed);
        // The parser's certificates are shared (CertificateCache): use them as they are, no second decoding per report.
        var loaded = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        var leaf = Load(loaded, leafInfo);
        var others = new List<X509Certificate2>();
        foreach (var info in chain.Certificates.Concat(served?.Certificates ?? []).Where(c => c.Parsed))
        {
            if (!loaded.ContainsKey(info.CertificateSha256!))
            {
                others.Add(Load(loaded, info));
            }
        }

        var verification = anchors.Verify(leaf, others, at);
        var keys = ChainKeys(verification.Path, chain, served);
        return new ChainAnalysis(
            chainName,
            leafInfo,
            verification,
            MatchesHostname(leaf, report.Hostname),
            FindTimeProblems(verification.Path, at),
            verification.Trusted ? FindMissingFromServed(leaf, leafInfo, served, chain, verification, anchors, loaded, at) : [],
            InterceptionProducts.Find(CaNames(verification.Path, chain, served)),
            keys,
            FindPinMatches(report, keys),
            leaf,
            others,
            at);
    }

    // CertificateInfo built by hand (tests, stored chains) may lack the shared instance: load it from the DER then.
    private static X509Certificate2 Load(Dictionary<string, X509Certificate2> loaded, CertificateInfo info)
    {
        var certificate = info.Certificate ?? X509CertificateLoader.LoadCertificate(info.Der!);
        loaded[info.CertificateSha256!] = certificate;
        return certificate;
    }

    // RFC 6125 matching by .NET: wildcards only as a whole left-most label matching exactly one label, IP SANs
    // compared as addresses; no common-name fallback (iOS and current Android HostnameVerifiers have dropped it).
    private static bool MatchesHostname(X509Certificate2 leaf, string hostname)
    {
        try
        {
            return !string.IsNullOrEmpty(hostname) && leaf.MatchesHostname(hostname.TrimEnd('.'), allowWildcards: true, allowCommonName: false);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static List<TimeProblem> FindTimeProblems(IReadOnlyList<ChainPathElement> path, DateTimeOffset at)
    {
        var problems = new List<TimeProblem>();
        for (var i = 0; i < path.Count; i++)
        {
            if (at > path[i].NotAfter)
            {
                problems.Add(new TimeProblem(i, path[i], Expired: true));
            }
            else if (at < path[i].NotBefore)
            {
                problems.Add(new TimeProblem(i, path[i], Expired: false));
            }
        }

        return problems;
    }

    /// <summary>
    /// Path certificates the server did not send, when the served chain alone does not reach an anchor although the
    /// reported chains together do: the server omits an intermediate (Android reports both chains, so this shows).
    /// </summary>
    private static IReadOnlyList<ChainPathElement> FindMissingFromServed(
        X509Certificate2 leaf, CertificateInfo leafInfo, ParsedChain? served, ParsedChain chain, ChainVerification full,
        TrustAnchors anchors, Dictionary<string, X509Certificate2> loaded, DateTimeOffset at)
    {
        if (served is null || ReferenceEquals(served, chain) || served.Fingerprint.AsSpan().SequenceEqual(chain.Fingerprint)
            || served.Certificates.FirstOrDefault(c => c.Parsed)?.CertificateSha256 != leafInfo.CertificateSha256)
        {
            return [];
        }

        var servedHashes = served.Certificates.Where(c => c.Parsed).Select(c => c.CertificateSha256!).ToHashSet(StringComparer.Ordinal);
        var servedOthers = servedHashes.Where(h => h != leafInfo.CertificateSha256).Select(h => loaded[h]).ToList();
        var servedOnly = anchors.Verify(leaf, servedOthers, at);
        if (servedOnly.Trusted || (servedOnly.Problems & X509ChainStatusFlags.PartialChain) == 0)
        {
            return [];
        }

        // Everything between the leaf and the anchor that the server left out; the anchor itself need not be served.
        return [.. full.Path.Skip(1).SkipLast(1).Where(e => !servedHashes.Contains(e.CertificateSha256))];
    }

    private static IEnumerable<string> CaNames(IReadOnlyList<ChainPathElement> path, ParsedChain chain, ParsedChain? served)
    {
        for (var i = 0; i < path.Count; i++)
        {
            yield return path[i].Issuer;
            if (i > 0 || path[i].IsSelfIssued)
            {
                yield return path[i].Subject;
            }
        }

        foreach (var info in chain.Certificates.Concat(served?.Certificates ?? []).Where(c => c.Parsed))
        {
            yield return info.Issuer!;
            if (info.IsCertificateAuthority || info.IsSelfIssued)
            {
                yield return info.Subject!;
            }
        }
    }

    private static List<ChainKey> ChainKeys(IReadOnlyList<ChainPathElement> path, ParsedChain chain, ParsedChain? served)
    {
        var reported = chain.Certificates.Concat(served?.Certificates ?? []).Where(c => c.Parsed).ToList();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var info in reported)
        {
            positions.TryAdd(info.CertificateSha256!, info.Position);
        }

        var keys = new List<ChainKey>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < path.Count; i++)
        {
            var element = path[i];
            onPath.Add(element.CertificateSha256);
            int? position = positions.TryGetValue(element.CertificateSha256, out var p) ? p : null;
            keys.Add(new ChainKey(i, position, element.Subject, element.Issuer, element.SpkiSha256));
        }

        // Certificates sent but not used by the path (stray extras, an alternative cross-sign) still carry keys a pin
        // may name, and TrustKit hashes every certificate of the chain it validated.
        foreach (var info in reported)
        {
            if (onPath.Add(info.CertificateSha256!))
            {
                keys.Add(new ChainKey(null, info.Position, info.Subject!, info.Issuer!, info.SpkiSha256!));
            }
        }

        return keys;
    }

    private static List<(string Pin, ChainKey Key)> FindPinMatches(PinFailureReport report, IReadOnlyList<ChainKey> keys)
    {
        // First key per SPKI, path keys before reported-only ones, so a match names the path position.
        var bySpki = new Dictionary<string, ChainKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            bySpki.TryAdd(key.SpkiSha256, key);
        }

        var matches = new List<(string, ChainKey)>();
        foreach (var pin in report.KnownPins.Where(p => p.IsValidSha256).Select(p => Convert.ToBase64String(p.Sha256!)).Distinct())
        {
            if (bySpki.TryGetValue(pin, out var key))
            {
                matches.Add((pin, key));
            }
        }

        return matches;
    }
}
