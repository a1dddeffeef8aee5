namespace PinReports.Simulation;

/// <summary>An app version in the simulation: its daily active devices, the noted hostnames it calls, and when it shipped.</summary>
public sealed record SimulatedVersion(string App, string Version, int ActiveDevices, IReadOnlyList<string> Hosts, DateTimeOffset? LaunchedAt = null);
