namespace ReportApi.Notifications;

/// <summary>
/// The outbox's SQL. Outbox timing uses the database clock: every replica shares it, so leases and backoff agree.
/// A dead letter (a receiver refused it with a permanent 4xx for longer than <c>Notifications:DeadLetterAfter</c>) is
/// an undelivered row whose <c>next_attempt_at</c> is <c>'infinity'</c>: never due again, kept for an operator to read.
/// </summary>
internal static class NotificationsSql
{
    /// <summary>One row per channel ($2) for one message about subject $1, due at once. Runs in the sender's transaction.</summary>
    public const string Enqueue = """
        INSERT INTO notification_outbox (alert_id, channel, event, payload, created_at, attempts, next_attempt_at)
        SELECT $1, channel, $3, $4::jsonb, now(), 0, now() FROM unnest($2::text[]) AS channel
        """;

    /// <summary>
    /// Leases due rows of the configured channels ($2) for $1. A row waits while an older row of the same subject (alert) and
    /// channel is undelivered, so a resolve never overtakes its trigger (PagerDuty would keep an incident open).
    /// SKIP LOCKED lets replicas lease disjoint rows; an expired lease (a crashed sender) makes a row due again.
    /// </summary>
    public const string Lease = """
        UPDATE notification_outbox SET lease_until = now() + $1
        WHERE id IN (
            SELECT o.id FROM notification_outbox o
            WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
              AND o.channel = ANY($2)
              AND NOT EXISTS (
                  SELECT 1 FROM notification_outbox e
                  WHERE e.alert_id = o.alert_id AND e.channel = o.channel AND e.delivered_at IS NULL AND e.id < o.id
                    AND e.next_attempt_at <> 'infinity')
            ORDER BY o.id
            LIMIT $3
            FOR UPDATE SKIP LOCKED)
        RETURNING id, channel, payload::text AS payload, attempts
        """;

    public const string Delivered = """
        UPDATE notification_outbox SET delivered_at = now(), attempts = attempts + 1, last_status = $2, last_error = NULL, lease_until = NULL
        WHERE id = $1
        """;

    /// <summary>
    /// Reschedules a failed attempt after $2, or, when the failure is permanent ($5) and the row is older than $6, makes
    /// it a dead letter. Returns whether it did.
    /// </summary>
    public const string Failed = """
        UPDATE notification_outbox SET attempts = attempts + 1, last_status = $3, lease_until = NULL,
            next_attempt_at = CASE WHEN $5 AND created_at <= now() - $6 THEN 'infinity' ELSE now() + $2 END,
            last_error = CASE WHEN $5 AND created_at <= now() - $6 THEN 'dead letter: ' || $4 ELSE $4 END
        WHERE id = $1
        RETURNING next_attempt_at = 'infinity' AS dead_letter
        """;

    /// <summary>Undelivered rows still being retried, and dead letters.</summary>
    public const string Pending = """
        SELECT count(*) FILTER (WHERE next_attempt_at <> 'infinity') AS pending, count(*) FILTER (WHERE next_attempt_at = 'infinity') AS dead_letters
        FROM notification_outbox WHERE delivered_at IS NULL
        """;
}
