namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// <c>ReportApi trace --file trace.csv</c> (or <c>--file -</c> for stdin): writes a traffic trace (<see cref="TraceRow.Header"/>)
/// into the rollups with its own past timestamps, for backtests on prepared histories, tests and demos. It adds to the
/// stored history of the configured database: point it at a test or demo database.
/// </summary>
internal static class TraceCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null)
    {
        output ??= Console.Out;
        if (args.Length != 3 || args[1] != "--file")
        {
            output.WriteLine("usage: trace --file PATH|-   (CSV: " + TraceRow.Header + ")");
            return 2;
        }
        var lines = args[2] == "-" ? ReadAll(Console.In) : File.Exists(args[2]) ? File.ReadLines(args[2]) : null;
        if (lines is null)
        {
            output.WriteLine($"trace: file: '{args[2]}' does not exist");
            return 2;
        }
        var (rows, problem) = TraceRow.Parse(lines);
        if (problem is not null)
        {
            output.WriteLine($"trace: {problem}");
            return 2;
        }
        var written = await services.GetRequiredService<TraceWriter>().WriteAsync(rows!, CancellationToken.None);
        output.WriteLine(written == 0 ? "trace: nothing to write" :
            $"trace: wrote {written} series-minutes from {rows!.Min(r => r.Minute):u} to {rows!.Max(r => r.Minute):u}");
        return 0;
    }

    private static IEnumerable<string> ReadAll(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line;
    }
}
