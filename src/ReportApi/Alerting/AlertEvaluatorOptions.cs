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

    /// <summary>
    /// <c>Alerting:Evaluator:CatchUpWindow</c> (issue #19): minutes this far back that no replica evaluated (all were
    /// down, or the database was) are evaluated late, in order, before the current one, so an incident that started
    /// during the outage still opens its alert. Bounded because each minute costs the evaluator's queries and one
    /// transaction holds the whole catch-up; 0 turns catch-up off. Only minutes after the first ever evaluation count.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CatchUpWindow { get; set; } = TimeSpan.FromHours(6);
}
