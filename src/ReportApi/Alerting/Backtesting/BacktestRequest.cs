using System.Globalization;
using Microsoft.Extensions.Configuration;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The body of <c>POST /v1/alerts/backtest</c> (the command takes the same as <c>--from</c>, <c>--to</c>, <c>--set</c>,
/// <c>--compare</c>). Times are strings so an unparsable one is answered naming the parameter. <c>Set</c> overrides the
/// service's thresholds; <c>Compare</c>, when given, runs a second time with those overrides on top of <c>Set</c>.
/// <c>Engine</c> ("memory", the default, or "sql") chooses how windows are counted (<see cref="BacktestEngine"/>).
/// </summary>
public sealed record BacktestRequest(string? From, string? To, Dictionary<string, string?>? Set = null, Dictionary<string, string?>? Compare = null,
    string? Engine = null);

/// <summary>A validated request: the window in whole minutes and the thresholds of each run.</summary>
internal sealed record BacktestPlan(DateTimeOffset From, DateTimeOffset To, DetectorOptions Options, DetectorOptions? CompareOptions,
    BacktestEngine Engine = BacktestEngine.Memory)
{
    public static (BacktestPlan? Plan, BacktestProblem? Problem) Validate(BacktestRequest request, IConfiguration configuration,
        BacktestOptions limits, DateTimeOffset now)
    {
        if (Time(request.From, "from") is var (from, fromProblem) && fromProblem is not null) return (null, fromProblem);
        if (Time(request.To, "to") is var (to, toProblem) && toProblem is not null) return (null, toProblem);
        if (from >= to) return (null, new BacktestProblem("from", $"from must be before to (from {Iso(from)}, to {Iso(to)})"));
        if (to > Floor(now)) return (null, new BacktestProblem("to", $"to must not be in the future (was {Iso(to)}, now {Iso(now)})"));
        if (to - from > limits.MaxWindow)
        {
            return (null, new BacktestProblem("to", $"the window is {to - from}, longer than {BacktestOptions.SectionName}:MaxWindow ({limits.MaxWindow})"));
        }

        if (BacktestEngines.Parse(request.Engine) is not { } engine)
        {
            return (null, new BacktestProblem("engine", $"engine must be {BacktestEngines.Names} (was '{request.Engine}')"));
        }

        var (options, problem) = BacktestSettings.Build(configuration, request.Set, "set");
        if (problem is not null) return (null, problem);
        DetectorOptions? compare = null;
        if (request.Compare is not null)
        {
            var merged = new Dictionary<string, string?>(request.Set ?? [], StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in request.Compare) merged[key] = value;
            foreach (var key in request.Compare.Keys.Where(k => !BacktestSettings.Keys.ContainsKey(k.Trim())))
            {
                return (null, new BacktestProblem($"compare.{key}", $"unknown setting '{key}'"));
            }
            (compare, problem) = BacktestSettings.Build(configuration, merged, "compare");
            if (problem is not null) return (null, problem);
        }
        return (new BacktestPlan(from, to, options!, compare, engine), null);
    }

    private static (DateTimeOffset, BacktestProblem?) Time(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value)) return (default, new BacktestProblem(name, $"{name} is required (an ISO 8601 time, e.g. 2026-11-24T00:00:00Z)"));
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            return (default, new BacktestProblem(name, $"{name} is not an ISO 8601 time (was '{value}')"));
        }
        return (Floor(t), null);
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => SeriesObservations.Floor(t);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
