namespace PinReports.Simulation;

/// <summary>
/// An attacker posts reports for <see cref="App"/> <see cref="Version"/> on <see cref="Hostname"/> from
/// <see cref="Start"/> for <see cref="Duration"/>: <see cref="Devices"/> freshly minted device ids, each reporting every
/// minute, all from <see cref="Networks"/> source networks (1 for one address). What issue #22 saw page on-call.
/// </summary>
public sealed record ForgedBurst(
    string App,
    string Version,
    string Hostname,
    DateTimeOffset Start,
    TimeSpan Duration,
    int Devices,
    int Networks = 1);
