using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>
/// A parsed and analysed report, ready for the writer: everything the COPY row and its references need.
/// <see cref="NetworkId"/> is the keyed hash of its source network (<see cref="SourceNetworks"/>), never stored in <c>reports</c>.
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
    long? NetworkId = null);
