using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Pins;

/// <summary>The keys a chain about to be deployed offers to pin validation, and what is wrong with the chain itself.</summary>
public sealed record PreflightChain(IReadOnlyList<PreflightCertificate> Keys, bool Trusted, IReadOnlyList<string> Warnings);

/// <summary>A key of the new chain. <see cref="Source"/>: <c>body</c>, or <c>trust-store</c> for the root the chain builds to.</summary>
public sealed record PreflightCertificate(
    int Position, string Role, string Subject, string Issuer, string Pin, DateTimeOffset NotAfter, string Source);

/// <summary>A pin of the version that names a key of the new chain.</summary>
public sealed record PreflightMatch(string Pin, int Position, string Role, string Subject);

/// <summary>Pure pre-flight logic: which keys will devices see, and which configurations pin one of them.</summary>
public static class PreflightEvaluator
{
    /// <summary>
    /// TrustKit hashes the chain the platform builds, which ends at a trust-store root even when the server does not
    /// send it; so the keys are the body's certificates plus, when the chain is trusted, the path's root. An
    /// untrusted chain is judged on the body alone (and warned about: the devices will reject it anyway).
    /// </summary>
    /// <param name="seenKeys">The host's key history (issue 13): an untrusted chain that a remembered intermediate of ours
    /// would complete gets a warning naming it (the classic deploy mistake: the chain file holds only the leaf).</param>
    public static PreflightChain Analyze(
        ParsedChain chain, string hostname, TrustAnchors anchors, DateTimeOffset now, int soonDays,
        IReadOnlyDictionary<string, SeenKey>? seenKeys = null)
    {
        var warnings = new List<string>();
        var keys = new List<PreflightCertificate>();
        foreach (var c in chain.Certificates)
        {
            if (!c.Parsed)
            {
                warnings.Add($"Certificate {c.Position} does not parse ({c.ParseError}); it offers no key.");
                continue;
            }
            keys.Add(new PreflightCertificate(c.Position, Role(c.Position, c.IsSelfIssued), c.Subject!, c.Issuer!,
                c.SpkiSha256!, c.NotAfter!.Value, "body"));
            if (c.NotAfter < now) warnings.Add($"Certificate {c.Position} ({c.Subject}) expired on {c.NotAfter:yyyy-MM-dd}.");
            else if (c.NotBefore > now) warnings.Add($"Certificate {c.Position} ({c.Subject}) is not valid before {c.NotBefore:yyyy-MM-dd}.");
            else if (c.NotAfter < now.AddDays(soonDays)) warnings.Add($"Certificate {c.Position} ({c.Subject}) expires on {c.NotAfter:yyyy-MM-dd}, within {soonDays} days.");
        }

        var leafInfo = chain.Certificates.First(c => c.Parsed);
        using var leaf = X509CertificateLoader.LoadCertificate(leafInfo.Der!);
        var others = chain.Certificates.Where(c => c.Parsed && c != leafInfo).Select(c => X509CertificateLoader.LoadCertificate(c.Der!)).ToList();
        try
        {
            if (leafInfo.Position != 0) warnings.Add($"The first certificate does not parse; certificate {leafInfo.Position} was taken as the leaf.");
            if (!MatchesHostname(leaf, hostname))
            {
                warnings.Add($"The leaf ({leafInfo.Subject}) does not cover {hostname}; its DNS names: {(leafInfo.DnsNames.Count == 0 ? "none" : string.Join(", ", leafInfo.DnsNames))}.");
            }

            var verification = anchors.Verify(leaf, others, now);
            if (verification.Trusted)
            {
                var inBody = keys.Select(k => k.Pin).ToHashSet(StringComparer.Ordinal);
                for (var i = 0; i < verification.Path.Count; i++)
                {
                    var element = verification.Path[i];
                    if (inBody.Add(element.SpkiSha256))
                    {
                        keys.Add(new PreflightCertificate(i, element.IsSelfIssued ? "root" : "intermediate", element.Subject, element.Issuer,
                            element.SpkiSha256, element.NotAfter, "trust-store"));
                    }
                }
            }
            else
            {
                warnings.Add($"The chain does not build to a trusted root ({verification.Problems}); devices will reject it whatever "
                    + "their pins. Pins were matched against the certificates in the body only.");
                if (MissingIntermediate(leaf, others, anchors, now, seenKeys) is { } missing)
                {
                    warnings.Add($"The chain omits the intermediate '{missing.Seen.Subject}' (SPKI {missing.Spki}, issued by "
                        + $"'{missing.Seen.Issuer}') that earlier chains of this host carried; with it the chain builds to a trusted "
                        + "root. Add it to the chain file.");
                }
            }
            return new PreflightChain(keys, verification.Trusted, warnings);
        }
        finally
        {
            foreach (var other in others) other.Dispose();
        }
    }

    /// <summary>A certificate's role by its place in a chain: the first is the leaf, a self-issued one the root.</summary>
    public static string Role(int position, bool selfIssued) => position == 0 ? "leaf" : selfIssued ? "root" : "intermediate";

    /// <summary>A version passes when any of its well-formed pins names a key of the new chain (a backup pin counts).</summary>
    public static IReadOnlyList<PreflightMatch> Match(IReadOnlyList<string> pins, PreflightChain chain)
    {
        var matches = new List<PreflightMatch>();
        foreach (var pin in pins)
        {
            if (chain.Keys.FirstOrDefault(k => k.Pin == pin) is { } key)
            {
                matches.Add(new PreflightMatch($"pin-sha256=\"{pin}\"", key.Position, key.Role, key.Subject));
            }
        }
        return matches;
    }

    /// <summary>A remembered intermediate (with its certificate) that makes the chain trusted when added.</summary>
    private static (string Spki, SeenKey Seen)? MissingIntermediate(
        X509Certificate2 leaf, List<X509Certificate2> others, TrustAnchors anchors, DateTimeOffset now, IReadOnlyDictionary<string, SeenKey>? seenKeys)
    {
        foreach (var (spki, seen) in seenKeys ?? new Dictionary<string, SeenKey>())
        {
            if (seen is not { Role: KeyRole.Intermediate, Certificate: { } der }) continue;
            if (!others.Prepend(leaf).Any(c => c.Issuer == seen.Subject) || others.Any(c => c.RawData.AsSpan().SequenceEqual(der))) continue;
            using var intermediate = X509CertificateLoader.LoadCertificate(der);
            if (anchors.Verify(leaf, [intermediate, .. others], now).Trusted) return (spki, seen);
        }

        return null;
    }

    public static bool MatchesHostname(X509Certificate2 leaf, string hostname)
    {
        try
        {
            return leaf.MatchesHostname(hostname, allowWildcards: true, allowCommonName: false);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
