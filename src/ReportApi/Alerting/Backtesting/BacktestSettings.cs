using System.Reflection;
using Microsoft.Extensions.Configuration;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>A parameter of a backtest request that is not usable, and why; the endpoint answers 400 naming it.</summary>
internal sealed record BacktestProblem(string Parameter, string Detail);

/// <summary>
/// The detector thresholds of a backtest: the service's own <c>Alerting</c> section with <c>Alerting:Key=value</c>
/// overrides on top, bound and validated exactly like start-up does, so a backtest cannot run with settings the service
/// would refuse. Only <see cref="DetectorOptions"/> keys may be overridden (not <c>Alerting:Evaluator:*</c>).
/// </summary>
internal static class BacktestSettings
{
    /// <summary>The overridable keys, <c>Alerting:MinDevices</c> style, case-insensitive like configuration.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = typeof(DetectorOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanWrite)
        .ToDictionary(p => DetectorConfiguration.Key(p.Name), p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <param name="parameter">The request parameter the overrides came in, for the problem ("set", "compare").</param>
    public static (DetectorOptions? Options, BacktestProblem? Problem) Build(IConfiguration configuration,
        IReadOnlyDictionary<string, string?>? overrides, string parameter)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.GetSection(DetectorConfiguration.SectionName).AsEnumerable(makePathsRelative: true))
        {
            if (value is not null && Keys.ContainsKey(DetectorConfiguration.Key(key))) values[key] = value;
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (!Keys.TryGetValue(key.Trim(), out var property))
            {
                return (null, new BacktestProblem($"{parameter}.{key}",
                    $"unknown setting '{key}'; one of {string.Join(", ", Keys.Keys.Order(StringComparer.Ordinal))}"));
            }
            if (string.IsNullOrWhiteSpace(value)) return (null, new BacktestProblem($"{parameter}.{key}", $"{DetectorConfiguration.Key(property)} needs a value"));
            values[property] = value.Trim();
        }

        DetectorOptions options;
        try
        {
            options = new ConfigurationBuilder().AddInMemoryCollection(values).Build().Get<DetectorOptions>() ?? new DetectorOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the property whose value did not convert ("Failed to convert ... to type 'System.Int32'").
            var key = Keys.Values.FirstOrDefault(p => e.Message.Contains($"'Alerting:{p}'", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains($"'{p}'", StringComparison.OrdinalIgnoreCase));
            return (null, new BacktestProblem(key is null ? parameter : $"{parameter}.{DetectorConfiguration.Key(key)}",
                $"a value does not convert: {e.InnerException?.Message ?? e.Message}"));
        }

        if (DetectorConfiguration.Problems(options) is { Count: > 0 } problems)
        {
            var first = problems[0];
            var key = first.Split(' ')[0];
            return (null, new BacktestProblem($"{parameter}.{key}", string.Join("; ", problems)));
        }
        return (options, null);
    }

    /// <summary><c>Key=value</c> pairs of the command line into an override map; null and a problem for a malformed one.</summary>
    public static (Dictionary<string, string?>? Overrides, BacktestProblem? Problem) Pairs(IEnumerable<string> pairs, string parameter)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) return (null, new BacktestProblem(parameter, $"expected Alerting:Key=value (was '{pair}')"));
            result[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return (result, null);
    }
}
