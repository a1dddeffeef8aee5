using ReportApi.Diagnosis;
using ReportApi.Privacy;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>Turns a parsed report into a row for the writer: chains parsed (cached), device hashed, dedup key, diagnosis.</summary>
internal sealed class ReportAnalyzer(DeviceIdHasher deviceIds, DiagnosisService diagnosis)
{
    private readonly BoundedCache<ChainKey, ParsedChain> _chains = new(4096);

    public IngestRecord Analyze(PinFailureReport report, DateTimeOffset receivedAt, bool authenticated)
    {
        var validated = ParseChain(report.ValidatedChain);
        var served = report.ServedChain is null ? null : ParseChain(report.ServedChain);
        var pinSet = PinSet.Of(report.KnownPins);
        var deviceHash = deviceIds.Hash(report.AppVendorId);
        var verdict = diagnosis.Diagnose(report, validated, served, pinSet.Fingerprint, receivedAt);
        return new IngestRecord(
            Guid.CreateVersion7(receivedAt),
            receivedAt,
            report,
            deviceHash,
            validated,
            served,
            pinSet,
            DedupKey.Compute(report, deviceHash, pinSet.Fingerprint, validated.Fingerprint),
            verdict.Code.ToWire(),
            authenticated);
    }

    private ParsedChain ParseChain(IReadOnlyList<string> pems) =>
        _chains.GetOrAdd(ChainKey.Of(pems), static (_, p) => ChainParser.Parse(p), pems);
}
