using System.Globalization;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// One line of a traffic trace: in <see cref="Minute"/>, <see cref="Devices"/> devices of one series failed with
/// <see cref="Reports"/> reports from <see cref="Networks"/> source networks. Devices are numbered per app version from
/// <see cref="FirstDevice"/> (the same number is the same device in every series of the version), networks from 0, so a
/// trace controls exactly how many distinct devices and networks every window holds.
/// </summary>
public sealed record TraceRow(DateTimeOffset Minute, string App, string Version, string Host, string Diagnosis, int Devices, int Reports,
    int Networks, long FirstDevice = 0)
{
    public const string Header = "minute,app,version,host,diagnosis,devices,reports,networks,first_device";

    /// <summary>Parses CSV lines (<see cref="Header"/>; the header, blank and '#' lines are skipped); the problem names the line.</summary>
    public static (List<TraceRow>? Rows, string? Problem) Parse(IEnumerable<string> lines)
    {
        var rows = new List<TraceRow>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("minute,", StringComparison.Ordinal)) continue;
            var f = line.Split(',');
            if (f.Length is < 8 or > 9) return (null, $"line {number}: expected {Header} (first_device optional)");
            if (!DateTimeOffset.TryParse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var minute)
                || minute.Ticks % TimeSpan.TicksPerMinute != 0)
            {
                return (null, $"line {number}: minute must be an ISO 8601 time on a whole minute (was '{f[0]}')");
            }
            if (f[1].Length == 0 || f[2].Length == 0 || f[3].Length == 0 || f[4].Length == 0) return (null, $"line {number}: app, version, host and diagnosis are required");
            if (!Enum.GetValues<DiagnosisCode>().Any(c => c.ToWire() == f[4])) return (null, $"line {number}: unknown diagnosis '{f[4]}'");
            if (!Count(f[5], out var devices) || !Count(f[6], out var reports) || !Count(f[7], out var networks) || devices > reports
                || networks > Math.Max(devices, 1) || devices > 1_000_000)
            {
                return (null, $"line {number}: devices, reports and networks must be whole numbers with networks <= devices <= reports <= 1000000");
            }
            long first = 0;
            if (f.Length == 9 && !(long.TryParse(f[8], NumberStyles.None, CultureInfo.InvariantCulture, out first) && first < 1L << 40))
            {
                return (null, $"line {number}: first_device must be a whole number below 2^40");
            }
            rows.Add(new TraceRow(minute, f[1], f[2], f[3].ToLowerInvariant(), f[4], devices, reports, networks, first));
        }
        return (rows, null);
    }

    private static bool Count(string value, out int count) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count <= 10_000_000;

    public string ToCsv() => string.Join(',', Minute.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), App, Version, Host, Diagnosis,
        Devices.ToString(CultureInfo.InvariantCulture), Reports.ToString(CultureInfo.InvariantCulture), Networks.ToString(CultureInfo.InvariantCulture),
        FirstDevice.ToString(CultureInfo.InvariantCulture));
}
