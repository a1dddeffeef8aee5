using Npgsql;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Runs a validated plan: one backtest, or two and their differences. One backtest at a time per process: each holds a
/// connection and a core for up to a minute, and an operator tuning thresholds needs no parallelism.
/// </summary>
internal sealed class BacktestRunner(NpgsqlDataSource dataSource)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <returns>null when another backtest is running.</returns>
    public async Task<BacktestResponse?> TryRunAsync(BacktestPlan plan, CancellationToken ct)
    {
        if (!await _gate.WaitAsync(TimeSpan.Zero, ct)) return null;
        try
        {
            var run = await AlertBacktest.RunAsync(dataSource, plan.From, plan.To, plan.Options, plan.Engine, ct);
            if (plan.CompareOptions is null) return new BacktestResponse(run, null, null);
            var compared = await AlertBacktest.RunAsync(dataSource, plan.From, plan.To, plan.CompareOptions, plan.Engine, ct);
            return new BacktestResponse(run, compared, BacktestComparison.Compare(run, compared));
        }
        finally
        {
            _gate.Release();
        }
    }
}
