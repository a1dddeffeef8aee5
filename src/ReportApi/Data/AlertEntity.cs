namespace ReportApi.Data;

/// <summary>
/// The schema of one alert of one series (issue #5): EF owns the table and its migrations, and never reads it. The
/// evaluator writes it with raw SQL (<c>AlertingSql</c>) and every read returns Alerting's <c>Alert</c> record. <see cref="State"/> is the domain <c>AlertState</c> as JSON, the state machine's only memory, so any
/// replica can carry on from where another stopped; the other columns are that state and its last text flattened
/// for the API and for SQL filters. A series has at most one open (pending, firing, acknowledged, suspicious) alert: a partial
/// unique index enforces it, whatever a bug in the evaluator would do.
/// </summary>
public sealed class AlertEntity
{
    public long Id { get; init; }
    public required string SeriesKey { get; init; }

    /// <summary><c>host</c>, <c>version</c> or <c>version-host</c>.</summary>
    public required string Level { get; init; }

    public string? App { get; init; }
    public string? Version { get; init; }
    public string? NotedHostname { get; init; }

    /// <summary><c>pending</c>, <c>firing</c>, <c>acknowledged</c>, <c>suspicious</c> (spiking from too few networks: not paged) or <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }
    public DateTimeOffset? FiredAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public string? AcknowledgedBy { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public required DateTimeOffset LastEvaluatedAt { get; init; }
    public required int WindowDevices { get; init; }
    public required int PeakDevices { get; init; }
    public required double BaselineMedian { get; init; }
    public int? ActiveDevices { get; init; }

    /// <summary>Distinct source networks of the window's devices (issue #22); null for alerts written before networks were counted.</summary>
    public int? WindowNetworks { get; init; }
    public required string State { get; init; }
    public required string Headline { get; init; }
    public required string Summary { get; init; }
    public required string Action { get; init; }
    public string? DiagnosisMix { get; init; }
    public string? TopChain { get; init; }
    public string? TopVersions { get; init; }
}

/// <summary>One row per evaluated minute: the insert is what makes a minute evaluated exactly once across replicas.</summary>
public sealed class AlertEvaluationEntity
{
    public required DateTimeOffset Minute { get; init; }
    public required DateTimeOffset EvaluatedAt { get; init; }
    public required int SeriesCount { get; init; }
    public required int Transitions { get; init; }
}

/// <summary>
/// A notification to deliver at least once, written in the evaluator's transaction (so an alert never changes without
/// its notification, nor the reverse). <see cref="Payload"/> is channel-neutral (Alerting's <c>AlertNotification</c>);
/// it is rendered for the channel at send time, so a rotated secret or routing key applies to the backlog too and no
/// secret is stored in the database.
/// </summary>
public sealed class NotificationOutboxEntity
{
    public long Id { get; init; }
    public required long AlertId { get; init; }

    /// <summary><c>webhook</c>, <c>slack</c> or <c>pagerduty</c>.</summary>
    public required string Channel { get; init; }

    /// <summary><c>trigger</c>, <c>repeat</c> or <c>resolve</c>.</summary>
    public required string Event { get; init; }

    public required string Payload { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required int Attempts { get; init; }
    public required DateTimeOffset NextAttemptAt { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public int? LastStatus { get; init; }
    public string? LastError { get; init; }
}
