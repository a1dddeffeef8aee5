using System.ComponentModel.DataAnnotations;

namespace ReportApi.Alerting.Backtesting;

/// <summary>Configuration section <c>Alerting:Backtest</c>.</summary>
public sealed class BacktestOptions
{
    public const string SectionName = "Alerting:Backtest";

    /// <summary>
    /// <c>Alerting:Backtest:MaxWindow</c>: the longest window a backtest may cover. A week plus a day by default: a week
    /// of the 50 M-report shape runs in about a minute (docs/benchmarks.md), and an HTTP request should not run much longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "62.00:00:00")]
    public TimeSpan MaxWindow { get; set; } = TimeSpan.FromDays(8);
}
