using System.ComponentModel.DataAnnotations;

namespace ReportApi.Pins;

/// <summary>Configuration section <c>Pins</c>.</summary>
public sealed class PinsOptions
{
    /// <summary><c>Pins:RefreshInterval</c>: how often the inventory folds in new reports.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>Pins:SettleDelay</c>: reports younger than this are left for the next run. A report's receive time is stamped
    /// before its batch commits, so a report stamped just below the watermark could commit after the refresh passed
    /// it; waiting longer than a commit takes (Ingest:CommitTimeout, 15 s) closes that gap. Interval plus delay
    /// bounds staleness (50 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>Pins:ExpiringWithinDays</c>: default horizon of the expiring-soon flag and of the expiring-pins gauge.</summary>
    [Range(0, 3650)]
    public int ExpiringWithinDays { get; set; } = 30;

    /// <summary><c>Pins:RecentDays</c>: pre-flight considers configurations seen in this many days.</summary>
    [Range(1, 3650)]
    public int RecentDays { get; set; } = 30;
}
