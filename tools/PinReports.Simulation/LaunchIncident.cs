using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>
/// A version (listed in the scenario with a LaunchedAt) ships with a problem: <see cref="FailingDevices"/> of its devices
/// fail against <see cref="Hostname"/> from <see cref="Start"/> for <see cref="Duration"/>, diagnosed as <see cref="Code"/>.
/// </summary>
public sealed record LaunchIncident(
    string App,
    string Version,
    string Hostname,
    DateTimeOffset Start,
    TimeSpan Duration,
    int FailingDevices,
    FailingChain Chain,
    DiagnosisCode Code = DiagnosisCode.ClientConfigError);
