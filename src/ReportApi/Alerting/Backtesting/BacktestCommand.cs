using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// <c>ReportApi backtest --from T --to T [--set Alerting:Key=value …] [--compare Alerting:Key=value …] [--engine memory|sql] [--json]</c>: the
/// backtest of <c>POST /v1/alerts/backtest</c> from the command line, with the service's configuration and database.
/// Exit code 0 when it ran, 2 for a bad argument (named), 1 when another backtest holds the runner.
/// </summary>
internal static class BacktestCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null)
    {
        output ??= Console.Out;
        string? from = null, to = null, engine = null;
        var json = false;
        var set = new List<string>();
        List<string>? compare = null;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--from" when value is not null: from = value; i++; break;
                case "--to" when value is not null: to = value; i++; break;
                case "--set" when value is not null: set.Add(value); i++; break;
                case "--compare" when value is not null: (compare ??= []).Add(value); i++; break;
                case "--engine" when value is not null: engine = value; i++; break;
                case "--json": json = true; break;
                default:
                    output.WriteLine($"backtest: unexpected '{args[i]}'");
                    output.WriteLine("usage: backtest --from ISO-TIME --to ISO-TIME [--set Alerting:Key=value]... [--compare Alerting:Key=value]... [--engine memory|sql] [--json]");
                    return 2;
            }
        }

        var (setPairs, problem) = BacktestSettings.Pairs(set, "set");
        var (comparePairs, compareProblem) = compare is null ? (null, null) : BacktestSettings.Pairs(compare, "compare");
        problem ??= compareProblem;
        BacktestPlan? plan = null;
        if (problem is null)
        {
            (plan, problem) = BacktestPlan.Validate(new BacktestRequest(from, to, setPairs, comparePairs, engine), services.GetRequiredService<IConfiguration>(),
                services.GetRequiredService<IOptions<BacktestOptions>>().Value, services.GetRequiredService<TimeProvider>().GetUtcNow());
        }
        if (problem is not null)
        {
            output.WriteLine($"backtest: {problem.Parameter}: {problem.Detail}");
            return 2;
        }

        var response = await services.GetRequiredService<BacktestRunner>().TryRunAsync(plan!, CancellationToken.None);
        if (response is null)
        {
            output.WriteLine("backtest: another backtest is running");
            return 1;
        }
        output.Write(json ? System.Text.Json.JsonSerializer.Serialize(response, Json) + "\n" : Format(response));
        return 0;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Format(BacktestResponse response)
    {
        var text = new StringBuilder();
        Run(text, "Backtest", response.Run);
        if (response.Compared is { } compared)
        {
            Run(text, "Compared", compared);
            text.AppendLine(CultureInfo.InvariantCulture, $"Changes: {response.Changes!.Count}");
            foreach (var c in response.Changes) text.AppendLine(CultureInfo.InvariantCulture, $"  {c.Change,-12} {c.SeriesKey}: {c.Detail}");
        }
        return text.ToString();
    }

    private static void Run(StringBuilder text, string title, BacktestRun run)
    {
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{title} {BacktestComparison.Minute(run.From)} .. {BacktestComparison.Minute(run.To)}: {run.MinutesEvaluated} minutes in {run.ElapsedSeconds:0.0} s ({run.Engine} engine), "
            + $"{run.Alerts.Count} alerts ({run.Pages} would page), {run.DiscardedPending} pending spikes discarded");
        foreach (var a in run.Alerts)
        {
            var mix = a.DiagnosisMix is { Count: > 0 } m ? string.Join(", ", m.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}")) : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {a.Status,-12} {a.SeriesKey}  opened {BacktestComparison.Minute(a.OpenedAt)}  fired {BacktestComparison.Minute(a.FiredAt) ?? "-"}  "
                + $"resolved {BacktestComparison.Minute(a.ResolvedAt) ?? "-"}  peak {a.PeakDevices} devices / {a.PeakNetworks} networks  mix {mix}");
            text.AppendLine(CultureInfo.InvariantCulture, $"      {a.Headline}");
        }
    }
}
