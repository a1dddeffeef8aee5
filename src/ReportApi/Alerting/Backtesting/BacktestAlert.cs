namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// An alert a backtest raised: its series, its minutes, what it peaked at and what it would have said. <c>Status</c> is
/// where it ended (<c>DiagnosisMix</c> is the peak window's, in devices): resolved, or firing/acknowledged/suspicious/pending when the window ended first. <c>Paged</c>: it fired
/// (a suspicious alert that never fired paged nobody). A pending spike that was discarded is counted, not listed, like
/// the live alert list.
/// </summary>
public sealed record BacktestAlert(
    string SeriesKey,
    string Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? SuspectedAt,
    DateTimeOffset? ResolvedAt,
    bool Paged,
    int PeakDevices,
    int PeakNetworks,
    double BaselineMedian,
    IReadOnlyDictionary<string, int>? DiagnosisMix,
    string Headline);

/// <summary>The alerts of one backtest run, with the thresholds it ran with.</summary>
public sealed record BacktestRun(
    DateTimeOffset From,
    DateTimeOffset To,
    int MinutesEvaluated,
    int DiscardedPending,
    double ElapsedSeconds,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<BacktestAlert> Alerts)
{
    public int Pages => Alerts.Count(a => a.Paged);

    /// <summary>How the windows were counted: "memory" or "sql" (<see cref="BacktestEngine"/>).</summary>
    public string Engine { get; init; } = "memory";
}

/// <summary>How one alert changed between two settings (compare): appeared, disappeared, or moved in time.</summary>
public sealed record BacktestChange(string Change, string SeriesKey, BacktestAlert? Before, BacktestAlert? After, string Detail);

/// <summary>The answer of <c>POST /v1/alerts/backtest</c> and of the command: one run, or two and their differences.</summary>
public sealed record BacktestResponse(BacktestRun Run, BacktestRun? Compared, IReadOnlyList<BacktestChange>? Changes);
