using System.Net;
using ReportApi.Diagnosis;
using ReportApi.Domain.Caching;
using ReportApi.Privacy;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>
/// Turns a parsed report into a row for the writer: chains parsed (cached), device hashed, dedup key, diagnosis.
/// Known combinations (chain, pin set, host, day) are answered from the caches on the request's thread: a hash of the
/// PEM text, no PEM decoding, no X.509 parsing. Anything else goes through the <see cref="NewChainLane"/>; when the
/// lane has no room the report is stored with its diagnosis deferred (issue 21).
/// </summary>
internal sealed class ReportAnalyzer(
    DeviceIdHasher deviceIds, DiagnosisService diagnosis, HostKeyHistory history, NewChainLane lane, DeferredDiagnosisSignal deferred)
{
    private readonly BoundedCache<ChainKey, ParsedChain> _chains = new(2048);

    public ValueTask<IngestRecord> AnalyzeAsync(
        PinFailureReport report, DateTimeOffset receivedAt, bool authenticated, IPAddress? client, CancellationToken ct)
    {
        if (_chains.TryGet(ChainKey.Of(report.ValidatedChain), out var validated))
        {
            ParsedChain? served = null;
            if (report.ServedChain is null || _chains.TryGet(ChainKey.Of(report.ServedChain), out served))
            {
                var pinSet = PinSet.Of(report.KnownPins);
                // The host's key history from memory only: a host not cached yet takes the slow path, which reads it.
                if (history.TryGet(report.NotedHostname, out var keys)
                    && diagnosis.TryGetCached(report, validated, served, pinSet.Fingerprint, receivedAt, keys, out var verdict))
                {
                    return ValueTask.FromResult(Record(report, receivedAt, authenticated, validated, served, pinSet, verdict, deferred: false));
                }
            }
        }
        return AnalyzeNewAsync(report, receivedAt, authenticated, client, ct);
    }

    /// <summary>Everything, on the caller's thread: the background pass and tests.</summary>
    public IngestRecord Analyze(PinFailureReport report, DateTimeOffset receivedAt, bool authenticated)
    {
        var (validated, served, pinSet) = Parse(report);
        var verdict = diagnosis.Diagnose(report, validated, served, pinSet.Fingerprint, receivedAt, history.Get(report.NotedHostname));
        return Record(report, receivedAt, authenticated, validated, served, pinSet, verdict, deferred: false);
    }

    private async ValueTask<IngestRecord> AnalyzeNewAsync(
        PinFailureReport report, DateTimeOffset receivedAt, bool authenticated, IPAddress? client, CancellationToken ct)
    {
        if (await lane.TryRunAsync(client, () => Analyze(report, receivedAt, authenticated), ct) is { } analysed) return analysed;

        // Deferred: the chains are still parsed here (their fingerprints are part of the dedup key and the stored chain
        // rows), only the chain building and the rules wait for the background pass. Stored as `unknown` meanwhile.
        var (validated, served, pinSet) = Parse(report);
        deferred.Wake();
        return Record(report, receivedAt, authenticated, validated, served, pinSet, null, deferred: true);
    }

    private (ParsedChain Validated, ParsedChain? Served, PinSet PinSet) Parse(PinFailureReport report) =>
        (ParseChain(report.ValidatedChain), report.ServedChain is null ? null : ParseChain(report.ServedChain), PinSet.Of(report.KnownPins));

    private IngestRecord Record(
        PinFailureReport report, DateTimeOffset receivedAt, bool authenticated, ParsedChain validated, ParsedChain? served, PinSet pinSet,
        Domain.Diagnosis.Diagnosis? verdict, bool deferred)
    {
        var deviceHash = deviceIds.Hash(report.AppVendorId);
        return new IngestRecord(
            Guid.CreateVersion7(receivedAt),
            receivedAt,
            report,
            deviceHash,
            validated,
            served,
            pinSet,
            DedupKey.Compute(report, deviceHash, pinSet.Fingerprint, validated.Fingerprint),
            verdict?.Code.ToWire() ?? DiagnosisCode.Unknown.ToWire(),
            authenticated,
            DiagnosisDeferred: deferred)
        {
            HostChain = verdict?.HostChain,
        };
    }

    private ParsedChain ParseChain(IReadOnlyList<string> pems) =>
        _chains.GetOrAdd(ChainKey.Of(pems), static (_, p) => ChainParser.Parse(p), pems);
}
