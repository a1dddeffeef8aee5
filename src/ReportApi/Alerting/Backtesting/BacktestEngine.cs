namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// How a backtest counts its windows. <see cref="Memory"/> (the default) streams each minute's device and network sets
/// once and keeps exact sliding unions (<see cref="MemoryObservations"/>); <see cref="Sql"/> runs the live evaluator's
/// <c>count(DISTINCT)</c> statements per hour of minutes (<see cref="BacktestObservations"/>). Both give the same
/// counts (tests hold them to it); the SQL engine stays so the two can be compared on real data.
/// </summary>
public enum BacktestEngine
{
    Memory,
    Sql,
}

internal static class BacktestEngines
{
    public const string Names = "'memory' or 'sql'";

    /// <summary>The wire name ("memory", "sql"), null when it is none of them; no value means the default.</summary>
    public static BacktestEngine? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "memory" => BacktestEngine.Memory,
        "sql" => BacktestEngine.Sql,
        _ => null,
    };

    public static string ToWire(this BacktestEngine engine) => engine == BacktestEngine.Sql ? "sql" : "memory";
}
