using System.Globalization;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>
/// <c>PinReports.Simulator replay [--days 7] [--seed 1] [--scenario steady|rotation|launch|forged]</c>: replays synthetic traffic minute by
/// minute through the detector with the default thresholds and a simulated clock, and prints when alerts fire and
/// resolve. No database and no configuration: it is how a threshold change is checked before it ships.
/// </summary>
public static class ReplayCommand
{
    private const string Bank = "com.example.bank";
    private const string Api = "api.example.com";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == "replay";

    public static int Run(string[] args, TextWriter? output = null)
    {
        output ??= Console.Out;
        var days = 7;
        var seed = 1;
        var scenario = "rotation";
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--days" when int.TryParse(value, CultureInfo.InvariantCulture, out days) && days is >= 1 and <= 60:
                case "--seed" when int.TryParse(value, CultureInfo.InvariantCulture, out seed):
                case "--scenario" when value is "steady" or "rotation" or "launch" or "forged" && (scenario = value) is not null:
                    i++;
                    break;
                default:
                    output.WriteLine($"replay: unexpected '{args[i]}' {value}".TrimEnd());
                    output.WriteLine("usage: replay [--days 1..60] [--seed N] [--scenario steady|rotation|launch|forged]");
                    return 2;
            }
        }

        var options = new DetectorOptions();
        output.WriteLine($"Scenario {scenario}, seed {seed}: {options.BaselineDays} days of history, then {days} evaluated days.");
        output.Write(BacktestReport.Format(Backtest.Run(Scenario(scenario, seed, options.BaselineDays + days), options)));
        return 0;
    }

    /// <summary>The incidents of issue #5 on the default simulated fleet, placed on the second day of the evaluated period.</summary>
    public static TrafficScenario Scenario(string name, int seed, int totalDays)
    {
        var steady = new TrafficScenario { Seed = seed, Days = totalDays };
        var evaluated = steady.Start.AddDays(totalDays - Math.Max(1, totalDays - new DetectorOptions().BaselineDays));
        var incident = evaluated.AddDays(Math.Min(1, totalDays - new DetectorOptions().BaselineDays - 1)).AddHours(9);
        return name switch
        {
            "rotation" => steady with
            {
                Rotations = [new RotationIncident(Api, Bank, "3.2.1", incident, TimeSpan.FromHours(14), 0.05, TrafficScenario.RotatedChain)],
            },
            "launch" => steady with
            {
                Versions = [.. TrafficScenario.DefaultVersions, new SimulatedVersion(Bank, "3.3.0", 5_000, [Api, "auth.example.com"], incident.AddHours(1))],
                Launches = [new LaunchIncident(Bank, "3.3.0", Api, incident.AddHours(1), TimeSpan.FromHours(3), 120, TrafficScenario.ServingChain,
                    DiagnosisCode.ClientConfigError)],
            },
            // Issue #22: 70 minted devices from one network for 20 minutes: suspicious, never a page.
            "forged" => steady with
            {
                Forgeries = [new ForgedBurst(Bank, "3.1.0", Api, incident, TimeSpan.FromMinutes(20), 70, 1)],
            },
            _ => steady,
        };
    }
}
