using System.ComponentModel.DataAnnotations;

namespace ReportApi.Rollups;

/// <summary>Configuration section <c>Rollups</c>: the closer that folds closed minutes into hours, days and counts.</summary>
public sealed class RollupsOptions
{
    /// <summary><c>Rollups:CloseInterval</c>: how often the closer runs (one replica at a time, by advisory lock).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CloseInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Rollups:CloseDelay</c>: a minute closes this long after it ends. Not needed for exactness (a batch that
    /// commits into a closed minute marks it for a recount) but it keeps such recounts rare: most batches commit within
    /// milliseconds of their receive time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CloseDelay { get; set; } = TimeSpan.FromSeconds(5);
}
