using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// Which certificate of a rotated chain replaced the pinned key. A pin is only a hash, so the answer needs to know what
/// the pinned key used to be: from earlier chains (<see cref="DiagnosisContext.SeenKeys"/>) or because it is one of the
/// operator's roots. Without either, the change is described by listing the chain's keys instead of guessing.
/// </summary>
internal sealed record RotationChange(
    int? PathIndex, ChainPathElement? Certificate, string Description, SeenKey? Replaced = null, string? ReplacedSpki = null)
{
    public static RotationChange Find(PinFailureReport report, ChainAnalysis analysis, TrustAnchors anchors, DiagnosisContext context)
    {
        var pinned = report.KnownPins
            .Where(p => p.IsValidSha256)
            .Select(p => Convert.ToBase64String(p.Sha256!))
            .Distinct()
            .Select(pin => (Pin: pin, Seen: Lookup(pin, anchors, context)))
            .Where(p => p.Seen is not null)
            .ToList();
        if (pinned.Count == 0)
        {
            return Unattributed(analysis);
        }

        // Every pinned key is absent (otherwise a pin would match), so the highest pinned position is the one that moved:
        // pins on a leaf and an intermediate that are both gone mean the intermediate rotated (and the leaf with it).
        var (pin, seen) = pinned.OrderByDescending(p => p.Seen!.Role).First();
        var change = seen!.Role switch
        {
            KeyRole.Root => CaSwitch(analysis, pin, seen),
            KeyRole.Intermediate => IntermediateRotation(analysis, pin, seen),
            _ => LeafRotation(analysis, pin, seen),
        };
        return change with { Replaced = seen, ReplacedSpki = pin };
    }

    private static SeenKey? Lookup(string pin, TrustAnchors anchors, DiagnosisContext context) =>
        context.SeenKeys.TryGetValue(pin, out var seen) ? seen
        : anchors.FindOperatorRoot(pin) is { } subject ? new SeenKey(KeyRole.Root, subject, subject)
        : null;

    private static RotationChange CaSwitch(ChainAnalysis analysis, string pin, SeenKey seen)
    {
        var top = analysis.Top;
        var index = analysis.Path.Count - 1;
        return new RotationChange(index, top,
            $"The whole chain moved to another CA: it now ends at {Wording.Role(index, analysis.Path.Count, top.IsSelfIssued)} "
            + $"{Wording.Certificate(top)}, while the app pins the {Describe(seen)} '{seen.Subject}' (SPKI {pin}{ValidUntil(seen)}). This is "
            + "the switch to the backup CA: app versions that pinned it pass, the others fail until they ship its pin or the "
            + "server moves back to the pinned CA.");
    }

    private static RotationChange IntermediateRotation(ChainAnalysis analysis, string pin, SeenKey seen)
    {
        var path = analysis.Path;
        for (var i = 1; i < path.Count; i++)
        {
            var candidate = path[i];
            if (!candidate.IsSelfIssued && (candidate.Issuer == seen.Issuer || candidate.Subject == seen.Subject))
            {
                var sameRoot = candidate.Issuer == seen.Issuer;
                return new RotationChange(i, candidate,
                    (sameRoot ? "The CA rotated its intermediate under the same root: " : "The CA replaced its intermediate: ")
                    + $"the pinned intermediate '{seen.Subject}' (SPKI {pin}{ValidUntil(seen)}) was replaced by "
                    + $"{Wording.Role(i, path.Count, false)} {Wording.Certificate(candidate)}, "
                    + (sameRoot ? $"issued by the same root '{seen.Issuer}'. " : $"issued by '{candidate.Issuer}' where the pinned one was issued by '{seen.Issuer}'. ")
                    + $"Pin the new intermediate or the root '{analysis.Top.Subject}' (SPKI "
                    + $"{analysis.Top.SpkiSha256}) in the next release; until then ask the CA to issue under the old "
                    + "intermediate, or roll back to a certificate issued by it.");
            }
        }

        return CaSwitch(analysis, pin, seen);
    }

    private static RotationChange LeafRotation(ChainAnalysis analysis, string pin, SeenKey seen)
    {
        var leaf = analysis.Path[0];
        var sameIssuer = leaf.Issuer == seen.Issuer;
        return new RotationChange(0, leaf,
            (sameIssuer
                ? "The leaf key changed under the same intermediate: "
                : $"The leaf key changed and the leaf is now issued by '{leaf.Issuer}' instead of '{seen.Issuer}': ")
            + $"the new leaf {Wording.Certificate(leaf)} replaced the pinned leaf key {pin} of '{seen.Subject}'{ValidUntil(seen)}. Ship the "
            + "backup pin or roll back the key.");
    }

    private static RotationChange Unattributed(ChainAnalysis analysis)
    {
        var path = analysis.Path;
        var keys = path.Select((e, i) => $"{Wording.Role(i, path.Count, e.IsSelfIssued)} {Wording.Certificate(e)}");
        return new RotationChange(null, null,
            "No earlier chain holding the pinned keys is on record, so which certificate changed cannot be told from this "
            + $"report alone; the chain's keys are: {string.Join("; ", keys)}. Compare them with the previously deployed "
            + "chain: if the app pinned the leaf key, ship the backup pin or roll back the key; if it pinned a CA key, pin "
            + "the new intermediate or the root.");
    }

    private static string ValidUntil(SeenKey seen) =>
        seen.NotAfter is { } notAfter ? $", valid until {Wording.Time(notAfter)}" : "";

    private static string Describe(SeenKey seen) => seen.Role switch
    {
        KeyRole.Root => "root",
        KeyRole.Intermediate => "intermediate",
        _ => "leaf",
    };
}
