using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>
/// A parsed and analysed report, ready for the writer: everything the COPY row and its references need.
/// <see cref="DiagnosisDeferred"/>: the slow path had no room (issue 21); <see cref="Diagnosis"/> is then <c>unknown</c>
/// and the writer lists the stored report for the background pass that fills the diagnosis in.
/// <see cref="NetworkId"/> is the keyed hash of its source network (<see cref="Privacy.SourceNetworks"/>), never stored in <c>reports</c>.
/// </summary>
internal sealed record IngestRecord(
    Guid Id,
    DateTimeOffset ReceivedAt,
    PinFailureReport Report,
    byte[]? DeviceHash,
    ParsedChain Validated,
    ParsedChain? Served,
    PinSet PinSet,
    byte[] DedupKey,
    string Diagnosis,
    bool Authenticated,
    bool CountsDevice = true,
    bool DiagnosisDeferred = false,
    long? NetworkId = null)
{
    /// <summary>The built path when the chain is the host's own (trusted, hostname matches): feeds the key history.</summary>
    public IReadOnlyList<ReportApi.Domain.Diagnosis.ChainPathElement>? HostChain { get; init; }
}
