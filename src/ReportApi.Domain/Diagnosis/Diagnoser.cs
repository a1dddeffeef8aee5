using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// docs/decisions/0006-diagnosis-is-a-pure-function.md: one pure function from a report, its parsed chains, the trust anchors and observed prevalence to
/// one contract code and an explanation an on-call engineer can act on. No static mutable state: the host may call it
/// concurrently and cache results by chain fingerprint (plus pin set and validation result, which also decide).
/// </summary>
public static class Diagnoser
{
    /// <param name="report">The normalised report; its pins and validation result take part in the decision.</param>
    /// <param name="validated">The parsed <c>validated-certificate-chain</c> (may be empty).</param>
    /// <param name="served">The parsed <c>served-certificate-chain</c> when the dialect sends one.</param>
    /// <param name="anchors">System store and operator roots; shared, thread-safe.</param>
    /// <param name="receivedAt">Server receive time: validity periods are judged at this instant, or at the device's time
    /// when that can be trusted (<see cref="ValidityTime"/>; the evidence says which).</param>
    /// <param name="context">Observed history and prevalence; optional.</param>
    public static Diagnosis Diagnose(
        PinFailureReport report,
        ParsedChain validated,
        ParsedChain? served,
        TrustAnchors anchors,
        DateTimeOffset receivedAt,
        DiagnosisContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(validated);
        ArgumentNullException.ThrowIfNull(anchors);
        context ??= new DiagnosisContext();

        // The chain is analysed first even when rule 1 decides, so the evidence fields are always filled in.
        var validity = ValidityTime.Choose(report, receivedAt, context.ClientTimeMaxAge);
        var analysis = ChainAnalysis.Analyze(report, validated, served, anchors, validity.At);
        var evidence = analysis is null
            ? new Diagnosis(DiagnosisCode.Unknown, "") { ValidityTime = validity }
            : new Diagnosis(
                DiagnosisCode.Unknown,
                "",
                ChainTrusted: analysis.Verification.Trusted,
                HostnameMatches: analysis.HostnameMatches,
                Expired: analysis.TimeProblems.Count > 0,
                PinMatched: analysis.PinMatches.Count > 0,
                InterceptionProduct: analysis.Product?.Name)
            {
                ValidityTime = validity,
                HostChain = analysis.Verification.Trusted && analysis.HostnameMatches && analysis.Product is null
                    && !ReportsUserDefinedTrustAnchor(report)
                    ? analysis.Path
                    : null,
            };

        // Rule 1, client-config-error: a broken pin set or a TrustKit integration error explains the failure whatever
        // the chain looks like, and no server or network change can fix it.
        if (ClientConfigError(report, analysis, evidence) is { } configError)
        {
            return configError;
        }

        var userDefinedAnchor = ReportsUserDefinedTrustAnchor(report);

        // Rule 2, unknown: without a parsable certificate there is nothing to attribute the failure to, unless the
        // client itself says the chain ended at a user-installed root (then rule 3 holds without a chain).
        if (analysis is null)
        {
            return userDefinedAnchor
                ? evidence with { Code = DiagnosisCode.InterceptionSuspected, Explanation = UserAnchorWithoutChain(report) }
                : evidence with { Code = DiagnosisCode.Unknown, Explanation = NoCertificate(report, validated, served) };
        }

        // Rule 4 in its one form that needs history: the chain stops below an intermediate we have seen in our own
        // earlier chains, so the server omits it. Checked before rule 3, which would otherwise call our own leaf an
        // interception because it does not build.
        if (MissingKnownIntermediate(report, analysis, evidence, userDefinedAnchor, context, anchors) is { } incomplete)
        {
            return incomplete;
        }

        // Rule 3, interception-suspected: an untrusted chain, a self-signed leaf, a user-installed anchor or a CA that
        // names an interception product. Checked before validity and pins: a proxy's certificate says nothing about
        // our server, and "renew" or "rotate pins" would be the wrong advice.
        if (analysis.Product is not null || !analysis.Verification.Trusted || userDefinedAnchor)
        {
            return Interception(report, analysis, evidence, userDefinedAnchor);
        }

        // Rule 4, certificate-invalid: the chain is ours (trusted) but broken at the time it is judged at (the device's
        // time when trusted, else the receive time); that fails every client regardless of pins, so it outranks a pin
        // mismatch.
        if (CertificateInvalid(report, analysis, evidence, validity) is { } invalid)
        {
            return invalid;
        }

        // Rule 6 before rule 5: a pinned key present in a trusted, valid chain contradicts "the server rotated away
        // from the pins"; the failure lies elsewhere and saying so prevents an unnecessary pin change.
        if (analysis.PinMatches.Count > 0)
        {
            return PinMatched(report, analysis, evidence);
        }

        // Rule 5, server-rotation: trusted, valid, right hostname, and no key of it is pinned: our side changed.
        // Rule 7 (otherwise unknown) is not reachable after rules 1-6: a parsable chain is untrusted (3), trusted but
        // invalid (4), trusted with a pinned key (6) or trusted without one (5).
        return ServerRotation(report, analysis, evidence, anchors, context);
    }

    private static bool IsMalformed(KnownPin pin) =>
        !pin.IsValidSha256 && (pin.Directive is null || pin.Directive.Equals("pin-sha256", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// validation-result 4 (TrustKit >= 1.2, macOS) and 5 from a 1.1.x client (no trustkit-version, no app-vendor-id)
    /// both mean "no pin matched and the chain ends at a user-defined trust anchor" (reference §2.3).
    /// </summary>
    private static bool ReportsUserDefinedTrustAnchor(PinFailureReport report) =>
        report.Dialect == ReportDialect.TrustKitIos
        && (report.ValidationResult == 4
            || (report.ValidationResult == 5 && report.TrustKitVersion is null && report.AppVendorId is null));

    private static Diagnosis? ClientConfigError(PinFailureReport report, ChainAnalysis? analysis, Diagnosis evidence)
    {
        var pins = report.KnownPins;
        var valid = pins.Count(p => p.IsValidSha256);
        var malformed = pins.Where(IsMalformed).Select(p => $"'{p.Raw}'").ToList();
        string? explanation = null;

        if (pins.Count == 0)
        {
            explanation = $"The report from {Wording.App(report)} for {report.Hostname} lists no known pins, so no server "
                + "key could ever match: the app's pinning policy for "
                + $"{report.NotedHostname} is empty or the reporter drops the pins. Fix the pin configuration (at least two "
                + "pin-sha256 values: the current key and a backup) and ship a new release; the server is not implicated.";
        }
        else if (malformed.Count > 0)
        {
            explanation = $"{malformed.Count} of the {pins.Count} known pins of {Wording.App(report)} for "
                + $"{report.NotedHostname} are not valid pin-sha256 values (base64 of a 32-byte SHA-256): "
                + $"{Wording.List(malformed)}. The app's pin set is broken"
                + (valid == 0 ? " and can match no server key at all" : ", so a rotation to the key that pin was meant to cover fails")
                + ". Correct the pin strings in the app configuration and ship a new release; changing the server will not help.";
        }
        else if (valid == 0)
        {
            explanation = $"None of the {pins.Count} known pins of {Wording.App(report)} for {report.NotedHostname} is a "
                + $"pin-sha256 value ({Wording.List(pins.Select(p => $"'{p.Raw}'"))}); TrustKit and RFC 7469 clients only "
                + "check SHA-256 SPKI pins, so nothing can match. Replace them with pin-sha256 pins and ship a new release.";
        }
        else if (report.ValidationResult == 3)
        {
            explanation = $"TrustKit could not evaluate trust for {report.Hostname} (validation-result 3, invalid "
                + $"parameters): {Wording.App(report)} handed the pinning validator no usable server trust or hostname, so no "
                + "pin was checked. This is an integration bug in the app (for example a custom URLSession or WebView "
                + "delegate calling TrustKit with a nil trust); the server and the network are not implicated.";
        }
        else if (report.ValidationResult == 5 && !ReportsUserDefinedTrustAnchor(report))
        {
            var leafKey = analysis?.Leaf is { KeyAlgorithm: { } algorithm } leaf ? $"{algorithm} {leaf.KeySize}".TrimEnd() : "unknown";
            explanation = $"TrustKit could not compute the SPKI hash of a certificate for {report.Hostname} "
                + $"(validation-result 5) in {Wording.App(report)}: on iOS 9 and earlier this is a Keychain failure, otherwise a "
                + $"public-key type TrustKit cannot hash (leaf key: {leafKey}). Update TrustKit in the app and check the "
                + "key types the server uses; the pins themselves are not evaluated by this report.";
        }

        return explanation is null
            ? null
            : evidence with { Code = DiagnosisCode.ClientConfigError, Explanation = explanation };
    }

    private static string NoCertificate(PinFailureReport report, ParsedChain validated, ParsedChain? served)
    {
        var firstError = validated.Certificates.Concat(served?.Certificates ?? []).FirstOrDefault(c => !c.Parsed)?.ParseError;
        return $"The report from {Wording.App(report)} for {report.Hostname} carries no parsable certificate (validated "
            + $"chain: {validated.Certificates.Count} element(s), served chain: {served?.Certificates.Count ?? 0}"
            + (firstError is null ? "" : $"; first error: {firstError}")
            + "), so the failure cannot be attributed to the server, the network or the app. If every report from this "
            + "client looks like this, the reporter sends placeholder or truncated PEMs; otherwise judge the incident by "
            + "reports for the same hostname that do carry a chain.";
    }

    private static string UserAnchorWithoutChain(PinFailureReport report) =>
        $"{Wording.App(report)} reports validation-result {report.ValidationResult} for {report.Hostname}: on macOS the "
        + "chain ended at a user-installed trust anchor, a root someone added to this machine (debugging proxy, corporate "
        + "TLS inspection or malware). The report carries no parsable certificate to name it. The server side is fine: do "
        + "not change pins or certificates.";

    private static Diagnosis Interception(PinFailureReport report, ChainAnalysis analysis, Diagnosis evidence, bool userDefinedAnchor)
    {
        var verification = analysis.Verification;
        var top = analysis.Top;
        var product = analysis.Product;
        var leaf = analysis.Path[0];

        string finding;
        if (product is not null)
        {
            finding = $"The chain presented to {Wording.App(report)} for {report.Hostname} comes from {product.Name}: "
                + $"'{product.MatchedName}' is a certificate authority in it.";
            if (verification.Trusted)
            {
                finding += $" That CA builds to {verification.TrustedBy} here, but it belongs to an interception product, not to our server's CA.";
            }
        }
        else if (userDefinedAnchor)
        {
            finding = $"{Wording.App(report)} reports validation-result {report.ValidationResult} for {report.Hostname}: "
                + $"on macOS the chain ended at a user-installed trust anchor; the chain ends at {Wording.Certificate(top)}.";
        }
        else if (analysis.LeafSelfSigned)
        {
            finding = $"The leaf presented for {report.Hostname}, {Wording.Certificate(leaf)}, is self-signed and is not one "
                + "of our trust anchors.";
        }
        else
        {
            finding = UntrustedFinding(report, analysis);
        }

        var who = product?.Kind switch
        {
            InterceptionKind.DebuggingProxy =>
                $" Most likely a developer or tester is inspecting the app's traffic with {product.Name}; on a real user's "
                + "device it means someone installed the proxy's root, or an attacker uses the tool.",
            InterceptionKind.Inspection =>
                " Most likely a corporate TLS-inspection proxy or endpoint security product on the device's network decrypts "
                + "the traffic; otherwise an attacker.",
            _ => $" This is likely a corporate TLS-inspection proxy or an attacker presenting its own certificate for {report.Hostname}.",
        };

        // A chain that merely stops below an unknown issuer may still be ours with an intermediate missing.
        var partial = product is null && !userDefinedAnchor && !analysis.LeafSelfSigned && !top.IsSelfIssued;
        var explanation = finding + who
            + $" The leaf presented was {Wording.Certificate(leaf)}. "
            + (partial ? $"Unless '{top.Issuer}' is ours, the server side is fine: " : "The server side is fine: ")
            + "do not change pins or certificates; the pins did their job. If many distinct devices report this chain, look "
            + "for a common network, customer or country.";

        var culprit = product is null && analysis.LeafSelfSigned ? leaf : top;
        var index = ReferenceEquals(culprit, leaf) ? 0 : analysis.Path.Count - 1;
        return evidence with
        {
            Code = DiagnosisCode.InterceptionSuspected,
            Explanation = explanation,
            ChangedPosition = index,
            ChangedSubject = culprit.Subject,
            ChangedIssuer = culprit.Issuer,
            ChangedSpki = culprit.SpkiSha256,
        };
    }

    private static Diagnosis? MissingKnownIntermediate(
        PinFailureReport report, ChainAnalysis analysis, Diagnosis evidence, bool userDefinedAnchor, DiagnosisContext context,
        TrustAnchors anchors)
    {
        var top = analysis.Top;
        if (analysis.Verification.Trusted || analysis.Product is not null || userDefinedAnchor)
        {
            return null;
        }

        var partial = !top.IsSelfIssued && (analysis.Verification.Problems & X509ChainStatusFlags.PartialChain) != 0;
        foreach (var (spki, seen) in context.SeenKeys)
        {
            if (seen.Role == KeyRole.Leaf)
            {
                continue;
            }

            // Omitted: the chain stops right below an intermediate of ours. Other issuer: the server sends our
            // intermediate's key in another CA's certificate (a cross-sign to a root clients no longer trust). Either way
            // the remembered certificate must really complete the chain (CompletesChain), names are not enough.
            var omitted = partial && seen.Subject == top.Issuer;
            var otherIssuer = !omitted && seen.Certificate is not null
                && analysis.Path.Skip(1).Any(e => e.SpkiSha256 == spki && e.Subject == seen.Subject && e.Issuer != seen.Issuer);
            if (!(omitted || otherIssuer) || !CompletesChain(analysis, seen, anchors))
            {
                continue;
            }

            var explanation = omitted
                ? $"The server sends an incomplete chain for {report.Hostname}: the chain stops at "
                    + $"{Wording.Certificate(top)}, whose issuer '{seen.Subject}' (SPKI {spki}, issued by '{seen.Issuer}') "
                    + "is our own CA certificate seen in earlier chains but was not sent. Clients that do not have it cached "
                    + "fail. Add that intermediate to the server's certificate chain file; this is not interception, and no "
                    + "pin change is needed for it."
                : $"The server sends a wrong chain for {report.Hostname}: our intermediate '{seen.Subject}' (SPKI {spki}) comes "
                    + $"in a certificate issued by '{analysis.Path.Skip(1).First(e => e.SpkiSha256 == spki).Issuer}', which does "
                    + $"not lead to a trusted root (the chain ends at {Wording.Certificate(top)}), instead of the one issued by "
                    + $"'{seen.Issuer}' seen in earlier chains. Serve the intermediate issued by '{seen.Issuer}'; the key is "
                    + "ours, so this is not interception and pins on it still hold.";
            return evidence with
            {
                Code = DiagnosisCode.CertificateInvalid,
                Explanation = explanation,
                ChangedPosition = omitted ? analysis.Path.Count : IndexOfSpki(analysis.Path, spki),
                ChangedSubject = seen.Subject,
                ChangedIssuer = seen.Issuer,
                ChangedSpki = spki,
            };
        }

        return null;
    }

    /// <summary>
    /// Whether the remembered certificate really completes the chain: with it added, the chain builds to a trusted root.
    /// A name is not proof (an interception CA can call itself anything); a signature under our intermediate's key is.
    /// Without the remembered certificate (a hand-built context), the name is all there is to go on.
    /// </summary>
    private static bool CompletesChain(ChainAnalysis analysis, SeenKey seen, TrustAnchors anchors)
    {
        if (seen.Certificate is not { } der)
        {
            return true;
        }

        X509Certificate2 intermediate;
        try
        {
            intermediate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }

        using (intermediate)
        {
            // Ours first among the extras: the builder then tries the path through it before the reported alternatives.
            return anchors.Verify(analysis.LeafCertificate, [intermediate, .. analysis.Others], analysis.At).Trusted;
        }
    }

    private static string UntrustedFinding(PinFailureReport report, ChainAnalysis analysis)
    {
        var problems = analysis.Verification.Problems;
        var top = analysis.Top;
        if ((problems & X509ChainStatusFlags.NotSignatureValid) != 0)
        {
            return $"A signature in the chain presented for {report.Hostname} does not verify: the certificates were forged "
                + $"or altered (the chain ends at {Wording.Certificate(top)}).";
        }

        if ((problems & X509ChainStatusFlags.InvalidBasicConstraints) != 0)
        {
            return $"The chain presented for {report.Hostname} uses a certificate that is not a CA to sign another one "
                + $"(the chain ends at {Wording.Certificate(top)}), a classic forgery.";
        }

        if (top.IsSelfIssued)
        {
            return $"The chain presented for {report.Hostname} ends at the root {Wording.Certificate(top)}, which is in "
                + "neither the system trust store nor Diagnosis:TrustedRootsFile.";
        }

        return $"The chain presented for {report.Hostname} stops at {Wording.Certificate(top)}, and its issuer "
            + $"'{top.Issuer}' is not a known CA. If that is one of our own CAs, the server omits an intermediate or its "
            + "root is missing from Diagnosis:TrustedRootsFile; otherwise it is someone else's CA.";
    }

    private static Diagnosis? CertificateInvalid(PinFailureReport report, ChainAnalysis analysis, Diagnosis evidence, ValidityTime validity)
    {
        // Which instant the validity was judged at, said in the finding itself (the evidence carries the reason too).
        var before = validity.DeviceTime
            ? $"before the device's time when it failed ({Wording.Time(validity.At)}, the report's UTC date-time)"
            : $"before this report was received ({Wording.Time(validity.At)})";
        var judged = validity.DeviceTime
            ? $"device time {Wording.Time(validity.At)}"
            : $"report received {Wording.Time(validity.At)}";
        var path = analysis.Path;
        var findings = new List<(string Text, ChainPathElement Certificate, int Index)>();

        foreach (var problem in analysis.TimeProblems)
        {
            var certificate = problem.Certificate;
            var role = Wording.Role(problem.PathIndex, path.Count, certificate.IsSelfIssued);
            var text = problem.Expired
                ? $"{Capitalise(role)} {Wording.Certificate(certificate)} expired on {Wording.Time(certificate.NotAfter)}, "
                    + $"{before}. {RenewAdvice(problem.PathIndex, path.Count, certificate.IsSelfIssued)}"
                : $"{Capitalise(role)} {Wording.Certificate(certificate)} is not valid before {Wording.Time(certificate.NotBefore)} "
                    + $"({judged}): it was deployed too early or issued with a wrong date, "
                    + "and devices with a correct clock reject it. Deploy a certificate that is valid now.";
            findings.Add((text, certificate, problem.PathIndex));
        }

        if (!analysis.HostnameMatches)
        {
            var names = analysis.Leaf.DnsNames.Count == 0 ? "none" : Wording.List(analysis.Leaf.DnsNames.Select(n => $"'{n}'"), 5);
            findings.Add((
                $"The leaf {Wording.Certificate(path[0])} does not cover the host '{report.Hostname}' (its DNS names: "
                + $"{names}; a wildcard matches exactly one label). Reissue it with '{report.Hostname}' in subjectAltName, or "
                + "fix the routing or SNI configuration that makes this host serve it.",
                path[0], 0));
        }

        foreach (var missing in analysis.MissingFromServed)
        {
            var index = IndexOf(path, missing);
            findings.Add((
                $"The server sends an incomplete chain: it omits {Wording.Role(index, path.Count, missing.IsSelfIssued)} "
                + $"{Wording.Certificate(missing)}, which clients cannot fetch. Add it to the server's certificate chain file.",
                missing, index));
        }

        var other = analysis.Verification.Problems;
        if (other != X509ChainStatusFlags.NoError && findings.Count == 0)
        {
            findings.Add((
                $"The chain builds to {analysis.Verification.TrustedBy} but X.509 validation reports {other} "
                + $"(chain ends at {Wording.Certificate(analysis.Top)}). Reissue the affected certificate.",
                analysis.Top, path.Count - 1));
        }

        if (findings.Count == 0)
        {
            return null;
        }

        var (first, culprit, culpritIndex) = findings[0];
        var explanation = $"The server's own chain for {report.Hostname} is broken (it builds to "
            + $"{analysis.Verification.TrustedBy}, so this is not interception). {first}"
            + (findings.Count > 1 ? $" Also: {string.Join(" ", findings.Skip(1).Select(f => f.Text))}" : "")
            + " Fixing the server fixes every app version; no pin change is needed for this.";
        return evidence with
        {
            Code = DiagnosisCode.CertificateInvalid,
            Explanation = explanation,
            ChangedPosition = culpritIndex,
            ChangedSubject = culprit.Subject,
            ChangedIssuer = culprit.Issuer,
            ChangedSpki = culprit.SpkiSha256,
        };
    }

    private static string RenewAdvice(int index, int length, bool selfIssued) =>
        index == 0 ? "Renew the leaf and deploy it now; if the app pins the leaf key, reuse the key or ship the backup pin first."
        : index == length - 1 && selfIssued ? "The root itself has expired: move the server to a chain under a current root of the CA."
        : "Serve the CA's current intermediate instead of the expired one.";

    private static Diagnosis PinMatched(PinFailureReport report, ChainAnalysis analysis, Diagnosis evidence)
    {
        var (pin, key) = analysis.PinMatches[0];
        var where = key.PathIndex is { } i
            ? Wording.Role(i, analysis.Path.Count, analysis.Path[i].IsSelfIssued)
            : $"the certificate at reported position {key.ReportedPosition}";
        var reason = report.ValidationResult switch
        {
            2 => $"the device's OS rejected a chain that builds to {analysis.Verification.TrustedBy} here: an older OS "
                + $"missing the root '{analysis.Top.Subject}', or a wrong device clock{ClockHint(report, analysis)}",
            _ => "the client evaluated a different chain than the one it reported, or these pins belong to "
                + $"another pinning policy than {report.NotedHostname}{ClockHint(report, analysis)}",
        };
        var explanation = $"Pin {pin} of {Wording.App(report)} matches {where} {Wording.Certificate(key)} of the chain for "
            + $"{report.Hostname}, which is trusted, valid and matches the hostname, yet the client reported "
            + $"validation-result {report.ValidationResult?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}. "
            + $"The server is consistent with the pins; most likely {reason}. Compare the affected OS versions "
            + "(app-platform-version) and devices before changing pins or certificates.";
        return evidence with
        {
            Code = DiagnosisCode.Unknown,
            Explanation = explanation,
            ChangedPosition = key.PathIndex,
            ChangedSubject = key.Subject,
            ChangedIssuer = key.Issuer,
            ChangedSpki = key.SpkiSha256,
        };
    }

    private static string ClockHint(PinFailureReport report, ChainAnalysis analysis)
    {
        var leaf = analysis.Path[0];
        if (report.ClientTimeQuality != ClientTimeQuality.Utc || report.ClientTime is not { } clientTime
            || (clientTime >= leaf.NotBefore && clientTime <= leaf.NotAfter))
        {
            return "";
        }

        return $" (the client's clock said {Wording.Time(clientTime)}, outside the leaf's validity "
            + $"{Wording.Time(leaf.NotBefore)} to {Wording.Time(leaf.NotAfter)})";
    }

    private static Diagnosis ServerRotation(
        PinFailureReport report, ChainAnalysis analysis, Diagnosis evidence, TrustAnchors anchors, DiagnosisContext context)
    {
        var change = RotationChange.Find(report, analysis, anchors, context);
        var pinCount = report.KnownPins.Count(p => p.IsValidSha256);
        var explanation = $"Our side changed: {report.Hostname} now presents a chain that builds to "
            + $"{analysis.Verification.TrustedBy}, is valid and matches the hostname, but none of its keys is among the "
            + $"{pinCount} pin(s) of {Wording.App(report)}. {change.Description}"
            + Prevalence(report, analysis, context)
            + (report.ValidationResult == 2
                ? " The client's OS also rejected the chain (validation-result 2) although it is trusted here: older devices may lack its root."
                : "")
            + (pinCount == 1 ? " The app pins a single key: add a backup pin so the next rotation does not break it." : "");
        return evidence with
        {
            Code = DiagnosisCode.ServerRotation,
            Explanation = explanation,
            ChangedPosition = change.PathIndex,
            ChangedSubject = change.Certificate?.Subject,
            ChangedIssuer = change.Certificate?.Issuer,
            ChangedSpki = change.Certificate?.SpkiSha256,
            ReplacedSubject = change.Replaced?.Subject,
            ReplacedSpki = change.ReplacedSpki,
        };
    }

    /// <summary>Which app versions pin a key of this chain (a backup pin), from observed pin sets.</summary>
    private static string Prevalence(PinFailureReport report, ChainAnalysis analysis, DiagnosisContext context)
    {
        if (context.VersionsPinningKey.Count == 0)
        {
            return "";
        }

        var covered = new List<string>();
        foreach (var key in analysis.Keys)
        {
            if (context.VersionsPinningKey.TryGetValue(key.SpkiSha256, out var versions))
            {
                var others = versions.Where(v => v != report.AppVersion).Distinct().ToList();
                if (others.Count > 0)
                {
                    covered.Add($"{Wording.List(others, 5)} pin the key of '{key.Subject}' (SPKI {key.SpkiSha256}) and pass with this chain");
                }
            }
        }

        return covered.Count == 0
            ? $" No app version on record pins any key of this chain: every version fails until a release pins it or the server rolls back."
            : $" Versions {string.Join("; versions ", covered)}; {Wording.Version(report)} never pinned it and fails.";
    }

    private static int IndexOfSpki(IReadOnlyList<ChainPathElement> path, string spki)
    {
        for (var i = 1; i < path.Count; i++)
        {
            if (path[i].SpkiSha256 == spki)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOf(IReadOnlyList<ChainPathElement> path, ChainPathElement element)
    {
        for (var i = 0; i < path.Count; i++)
        {
            if (ReferenceEquals(path[i], element))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
