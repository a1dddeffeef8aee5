using System.Diagnostics;
using Npgsql;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>
/// What an index costs per ingested row: 200,000 generated reports copied into two scratch tables shaped like a
/// <c>reports</c> partition (<c>LIKE reports INCLUDING ALL</c>: every column and index), one of them with the candidate
/// index as well, in alternating rounds (the machine is shared: alternation spreads its noise over both), then dropped.
/// </summary>
internal static class ReportsIndexCost
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, ReportsOptions o, string indexSql, int rows = 200_000, int rounds = 3)
    {
        var corpus = ReportCorpus.Create();
        var end = DateTimeOffset.UtcNow;
        var start = end.AddDays(-1);
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var table in new[] { "bench_without", "bench_with" })
        {
            await ReportsLoader.ExecAsync(connection, $"DROP TABLE IF EXISTS {table}");
            await ReportsLoader.ExecAsync(connection, $"CREATE TABLE {table} (LIKE reports_p{end:yyyyMMdd} INCLUDING ALL)");
        }
        await ReportsLoader.ExecAsync(connection, indexSql.Replace("{table}", "bench_with", StringComparison.Ordinal));
        var times = new Dictionary<string, List<double>> { ["bench_without"] = [], ["bench_with"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var table in round % 2 == 0 ? new[] { "bench_without", "bench_with" } : ["bench_with", "bench_without"])
            {
                await ReportsLoader.ExecAsync(connection, $"TRUNCATE {table}");
                var started = Stopwatch.GetTimestamp();
                await ReportsLoader.CopyAsync(dataSource, table, corpus, 0, rows, rows, start, end);
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                times[table].Add(seconds * 1e6 / rows);
                Console.WriteLine(FormattableString.Invariant($"  round {round} {table}: {rows:N0} rows in {seconds:0.00} s = {seconds * 1e6 / rows:0.0} µs/row; {ReportsMeasure.Uptime()}"));
            }
        }
        double Median(List<double> l) => l.Order().ElementAt(l.Count / 2);
        Console.WriteLine(FormattableString.Invariant(
            $"| index cost: {indexSql} | {Median(times["bench_without"]):0.0} µs/row without | {Median(times["bench_with"]):0.0} µs/row with | {Median(times["bench_with"]) - Median(times["bench_without"]):0.0} µs/row more |"));
        await using (var size = new NpgsqlCommand("SELECT pg_size_pretty(pg_indexes_size('bench_with') - pg_indexes_size('bench_without'))", connection))
        {
            Console.WriteLine($"  index size per {rows:N0} rows: {await size.ExecuteScalarAsync()}");
        }
        foreach (var table in new[] { "bench_without", "bench_with" }) await ReportsLoader.ExecAsync(connection, $"DROP TABLE {table}");
    }
}
