using Microsoft.Extensions.Options;
using ReportApi.Domain.Caching;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;

namespace ReportApi.Diagnosis;

/// <summary>
/// Runs the pure <see cref="Diagnoser"/> with the configured trust anchors, caching verdicts: during an incident
/// thousands of reports share one chain, one pin set and one hostname, and chain building is the costly part.
/// </summary>
public sealed class DiagnosisService
{
    private readonly TrustAnchors _anchors;
    private readonly BoundedCache<VerdictKey, Domain.Diagnosis.Diagnosis> _verdicts = new(2048);

    private readonly TimeSpan _clientTimeMaxAge;

    public DiagnosisService(IOptions<DiagnosisOptions> options)
    {
        var o = options.Value;
        _clientTimeMaxAge = o.ClientTimeMaxAge;
        if (string.IsNullOrWhiteSpace(o.TrustedRootsFile))
        {
            _anchors = o.UseSystemTrustStore ? TrustAnchors.SystemOnly : TrustAnchors.None;
            return;
        }
        if (!File.Exists(o.TrustedRootsFile))
        {
            throw new InvalidOperationException($"Diagnosis:TrustedRootsFile '{o.TrustedRootsFile}' does not exist.");
        }
        _anchors = TrustAnchors.FromPemBundle(File.ReadAllText(o.TrustedRootsFile), o.UseSystemTrustStore);
    }

    /// <summary>The configured anchors, for the pin pre-flight's trust check of a chain about to be deployed.</summary>
    public TrustAnchors Anchors => _anchors;

    /// <summary>The configured judgement-time bound, for callers that build a context themselves.</summary>
    public TimeSpan ClientTimeMaxAge => _clientTimeMaxAge;

    public Domain.Diagnosis.Diagnosis Diagnose(
        PinFailureReport report, ParsedChain validated, ParsedChain? served, byte[] pinSetFingerprint, DateTimeOffset receivedAt, HostKeys history) =>
        _verdicts.GetOrAdd(KeyOf(report, validated, served, pinSetFingerprint, receivedAt, history),
            static (_, s) => Diagnoser.Diagnose(s.report, s.validated, s.served, s.anchors, s.receivedAt, s.context),
            (report, validated, served, anchors: _anchors, receivedAt, context: ContextOf(history)));

    /// <summary>The cached verdict when this combination was diagnosed before: the fast path of ingest, no chain work.</summary>
    public bool TryGetCached(
        PinFailureReport report, ParsedChain validated, ParsedChain? served, byte[] pinSetFingerprint, DateTimeOffset receivedAt,
        HostKeys history, out Domain.Diagnosis.Diagnosis verdict) =>
        _verdicts.TryGet(KeyOf(report, validated, served, pinSetFingerprint, receivedAt, history), out verdict);

    // Validity is judged per day: a verdict cached across midnight could miss an expiry by at most a day's rollover.
    // The day is that of the instant validity is judged at (device or receive time, issue 13), and the noted host's
    // history version is part of the key: a verdict made without a key the history now holds is never served again.
    // Fingerprints are SHA-256: their first 128 bits are key enough, without a hex string per report.
    private VerdictKey KeyOf(
        PinFailureReport report, ParsedChain validated, ParsedChain? served, byte[] pinSetFingerprint, DateTimeOffset receivedAt, HostKeys history)
    {
        var validity = ValidityTime.Instant(report, receivedAt, _clientTimeMaxAge);
        return new(ChainKey.Of(validated.Fingerprint), served is null ? null : ChainKey.Of(served.Fingerprint), ChainKey.Of(pinSetFingerprint),
            report.Hostname, report.NotedHostname, report.ValidationResult, report.TrustKitVersion is null && report.AppVendorId is null,
            validity.DeviceTime, DateOnly.FromDateTime(validity.At.UtcDateTime), history.Version);
    }

    /// <summary>Uncached, for the query API and rediagnose: explanations are recomputed from the stored chain and report.</summary>
    public Domain.Diagnosis.Diagnosis DiagnoseUncached(
        PinFailureReport report, ParsedChain validated, ParsedChain? served, DateTimeOffset receivedAt, HostKeys history) =>
        Diagnoser.Diagnose(report, validated, served, _anchors, receivedAt, ContextOf(history));

    private DiagnosisContext ContextOf(HostKeys history) =>
        new() { SeenKeys = history.Keys, ClientTimeMaxAge = _clientTimeMaxAge };

    private readonly record struct VerdictKey(
        UInt128 Validated, UInt128? Served, UInt128 PinSet, string Hostname, string NotedHostname, int? ValidationResult, bool LegacyClient,
        bool DeviceTime, DateOnly Day, long HistoryVersion);
}
