namespace PinReports.Simulation;

/// <summary>The timeline of a replay and what it covered.</summary>
public sealed record BacktestResult(
    DateTimeOffset From,
    DateTimeOffset To,
    int SeriesCount,
    long Evaluations,
    long Failures,
    IReadOnlyList<BacktestEvent> Events)
{
    public IReadOnlyList<BacktestEvent> Of(AlertTransition transition) => Events.Where(e => e.Transition == transition).ToList();

    public IReadOnlyList<BacktestEvent> For(SeriesKey series) => Events.Where(e => e.Series == series).ToList();
}
