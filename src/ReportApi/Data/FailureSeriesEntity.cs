namespace ReportApi.Data;

/// <summary>
/// One failure series: the dimensions a rollup row is counted by. Rollup and device rows carry only the series id,
/// so the tables the dashboards scan stay narrow (a device row is bucket + series id + device id). Text dimensions
/// missing from a report are stored as <c>''</c> so the unique key needs no NULL handling.
/// </summary>
public sealed class FailureSeriesEntity
{
    public int Id { get; init; }
    public required string App { get; init; }
    public required string Version { get; init; }
    public required string Platform { get; init; }
    public required string NotedHostname { get; init; }
    public required string Hostname { get; init; }
    public required string Diagnosis { get; init; }

    /// <summary><c>enforce-pinning</c>: 1 enforced, 0 report-only, -1 not sent (RFC 7469 reports, old clients).</summary>
    public required short Enforce { get; init; }

    public required DateTimeOffset FirstSeenAt { get; init; }
}
