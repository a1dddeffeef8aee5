using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>
/// One device failing in one minute: indexes into the simulation's versions, hostnames and chains (-1: none), and the
/// source network the report came from.
/// </summary>
internal readonly record struct FailureEvent(int Device, int Version, int Host, DiagnosisCode Code, int Chain, int Network = 0);
