namespace PinReports.Simulation;

/// <summary>
/// The server behind <see cref="Hostname"/> starts presenting <see cref="NewChain"/> at <see cref="Start"/>, which the
/// pins of <see cref="App"/> <see cref="Version"/> reject: <see cref="BrokenShare"/> of that version's devices fail
/// (server-rotation) whenever they connect, until <see cref="Start"/> + <see cref="Duration"/>.
/// </summary>
public sealed record RotationIncident(
    string Hostname,
    string App,
    string Version,
    DateTimeOffset Start,
    TimeSpan Duration,
    double BrokenShare,
    FailingChain NewChain);
