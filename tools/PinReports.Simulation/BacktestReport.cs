using System.Globalization;
using System.Text;

namespace PinReports.Simulation;

/// <summary>Prints a replay timeline for a console: one line per transition, then the totals.</summary>
public static class BacktestReport
{
    public static string Format(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"Replay {Time(result.From)} → {Time(result.To)}: {result.SeriesCount} series, {result.Evaluations} evaluations, ")
            .Append(inv, $"{result.Failures} failing device-minutes\n");
        foreach (var e in result.Events)
        {
            text.Append(inv, $"{Time(e.Time)}  {e.Transition,-16} {e.Series,-52} {e.Devices,6} devices  baseline {e.BaselineMedian,6:0.#}");
            if (e.Headline is not null && e.Transition is AlertTransition.Fire or AlertTransition.Resolve or AlertTransition.Suspect)
            {
                text.Append("  ").Append(e.Headline);
            }

            text.Append('\n');
        }

        var fires = result.Of(AlertTransition.Fire).Count;
        var resolves = result.Of(AlertTransition.Resolve).Count;
        var repeats = result.Of(AlertTransition.Repeat).Count;
        var discards = result.Of(AlertTransition.Discard).Count;
        var suspects = result.Of(AlertTransition.Suspect).Count;
        text.Append(inv, $"{fires} fired, {resolves} resolved, {repeats} repeats, {discards} pending spikes discarded");
        text.Append(suspects > 0 ? $", {suspects} suspicious (not paged)\n" : "\n");
        return text.ToString();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
