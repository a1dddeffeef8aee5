using System.Globalization;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>Arguments of the <c>reports-load</c> and <c>reports-measure</c> modes (scripts/reports-benchmark.sh passes them).</summary>
internal sealed record ReportsOptions(
    string Connection, long Reports, int Days, int LoadConnections, int Runs, int CsvRuns, int CsvRows, string? Url, string? Key, int? ServicePid)
{
    public static ReportsOptions Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new ReportsOptions(
            Get("--connection") ?? throw new ArgumentException("--connection is required (scripts/reports-benchmark.sh sets it)."),
            long.Parse(Get("--reports") ?? "10000000", CultureInfo.InvariantCulture),
            Int("--days", 30),
            Int("--load-connections", 2),
            Int("--runs", 15),
            Int("--csv-runs", 5),
            Int("--csv-rows", 1_000_000),
            Get("--url"),
            Get("--key"),
            Get("--service-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null);
    }
}
