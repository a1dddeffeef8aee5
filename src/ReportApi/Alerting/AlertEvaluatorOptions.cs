using System.ComponentModel.DataAnnotations;

namespace ReportApi.Alerting;

/// <summary>Configuration section <c>Alerting:Evaluator</c>: how the host schedules the detector (its thresholds are <c>DetectorOptions</c>).</summary>
public sealed class AlertEvaluatorOptions
{
    public const string SectionName = "Alerting:Evaluator";

    /// <summary><c>Alerting:Evaluator:Enabled</c>: off on a replica that should never evaluate (any replica may; one does).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// <c>Alerting:Evaluator:SettleDelay</c>: minute t is evaluated this long after t, so reports received just before t
    /// have committed (a receive time is stamped before its batch commits; Ingest:CommitTimeout bounds the gap).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>Alerting:Evaluator:TickInterval</c>: how often the service checks whether a new minute has settled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);
}
