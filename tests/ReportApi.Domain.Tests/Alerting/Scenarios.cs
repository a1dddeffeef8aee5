using PinReports.Simulation;
using ReportApi.Domain.Alerting;

namespace ReportApi.Domain.Tests.Alerting;

/// <summary>The incidents of issue #5's "done when", on the default simulated fleet.</summary>
internal static class Scenarios
{
    public const string Bank = "com.example.bank";
    public const string Api = "api.example.com";

    /// <summary>Tuesday of the evaluated week, 09:00 UTC: the story's CA rotation.</summary>
    public static readonly DateTimeOffset RotationStart = new(2025, 6, 10, 9, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan RotationDuration = TimeSpan.FromHours(14);

    public static TrafficScenario Steady(int seed) => new() { Seed = seed };

    public static TrafficScenario Rotation(int seed, double brokenShare = 0.05) => Steady(seed) with
    {
        Rotations = [new RotationIncident(Api, Bank, "3.2.1", RotationStart, RotationDuration, brokenShare, TrafficScenario.RotatedChain)],
    };

    /// <summary>Version 3.3.0 ships on Thursday 10:00 with <paramref name="failingDevices"/> devices whose pins are broken.</summary>
    public static TrafficScenario Launch(int seed, int failingDevices)
    {
        var launchedAt = new DateTimeOffset(2025, 6, 12, 10, 0, 0, TimeSpan.Zero);
        return Steady(seed) with
        {
            Versions = [.. TrafficScenario.DefaultVersions, new SimulatedVersion(Bank, "3.3.0", 5_000, [Api, "auth.example.com"], launchedAt)],
            Launches = [new LaunchIncident(Bank, "3.3.0", Api, launchedAt, TimeSpan.FromHours(3), failingDevices, TrafficScenario.ServingChain)],
        };
    }

    public static SeriesKey VersionSeries(string version) => SeriesKey.ForVersion(Bank, version);

    public static SeriesKey VersionHostSeries(string version) => SeriesKey.ForVersionHost(Bank, version, Api);
}
