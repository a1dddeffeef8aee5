namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// What a settings change does to the alerts of a window. Two alerts are the same incident when they are of the same
/// series and their lifetimes overlap (opened before the other resolved); such a pair "moved" when it opened, fired or
/// resolved at a different minute, or paged in one run and not the other. An alert with no partner appeared or disappeared.
/// </summary>
internal static class BacktestComparison
{
    public static List<BacktestChange> Compare(BacktestRun before, BacktestRun after)
    {
        var changes = new List<BacktestChange>();
        var unmatched = after.Alerts.ToList();
        foreach (var a in before.Alerts)
        {
            var b = unmatched.FirstOrDefault(x => x.SeriesKey == a.SeriesKey && Overlap(a, x, before.To));
            if (b is null)
            {
                changes.Add(new BacktestChange("disappeared", a.SeriesKey, a, null, $"opened {Minute(a.OpenedAt)}{(a.Paged ? ", paged" : "")}: no longer raised"));
                continue;
            }
            unmatched.Remove(b);
            var moves = new List<string>();
            if (a.OpenedAt != b.OpenedAt) moves.Add($"opens {Shift(a.OpenedAt, b.OpenedAt)}");
            if (a.FiredAt != b.FiredAt) moves.Add(a.FiredAt is null ? $"now pages at {Minute(b.FiredAt)}" : b.FiredAt is null ? "no longer pages" : $"fires {Shift(a.FiredAt.Value, b.FiredAt.Value)}");
            if (a.ResolvedAt != b.ResolvedAt) moves.Add(a.ResolvedAt is null || b.ResolvedAt is null
                ? $"resolves {Minute(b.ResolvedAt) ?? "after the window"} (was {Minute(a.ResolvedAt) ?? "after the window"})"
                : $"resolves {Shift(a.ResolvedAt.Value, b.ResolvedAt.Value)}");
            if (a.Status != b.Status && a.Paged == b.Paged) moves.Add($"ends {b.Status} (was {a.Status})");
            if (moves.Count > 0) changes.Add(new BacktestChange("moved", a.SeriesKey, a, b, string.Join("; ", moves)));
        }
        changes.AddRange(unmatched.Select(b => new BacktestChange("appeared", b.SeriesKey, null, b,
            $"opened {Minute(b.OpenedAt)}{(b.Paged ? ", pages" : "")}: newly raised")));
        return [.. changes.OrderBy(c => (c.Before ?? c.After)!.OpenedAt).ThenBy(c => c.SeriesKey, StringComparer.Ordinal)];
    }

    private static bool Overlap(BacktestAlert a, BacktestAlert b, DateTimeOffset end) =>
        a.OpenedAt <= (b.ResolvedAt ?? end) && b.OpenedAt <= (a.ResolvedAt ?? end);

    private static string Shift(DateTimeOffset before, DateTimeOffset after)
    {
        var minutes = (int)(after - before).TotalMinutes;
        return $"{Math.Abs(minutes)} min {(minutes > 0 ? "later" : "earlier")} ({Minute(after)}, was {Minute(before)})";
    }

    public static string? Minute(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + (t is null ? null : "Z");
}
