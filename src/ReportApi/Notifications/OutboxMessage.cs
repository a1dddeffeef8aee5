namespace ReportApi.Notifications;

/// <summary>
/// One message for the outbox, written as one row per channel in the caller's transaction, so the change it announces and
/// its delivery commit together. <see cref="Payload"/> is the sender's own JSON: the outbox never reads it, the
/// <see cref="INotificationRenderer"/> turns it into each channel's message at send time. Messages about one
/// <see cref="SubjectId"/> go out in order per channel (stored in <c>notification_outbox.alert_id</c>, the table's key
/// to what its rows are about).
/// </summary>
public sealed record OutboxMessage(long SubjectId, IReadOnlyList<string> Channels, string Event, string Payload);

/// <summary>An outbox row leased for one delivery attempt.</summary>
internal sealed record LeasedNotification(long Id, string Channel, string Payload, int Attempts);
