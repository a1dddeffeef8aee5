using Npgsql;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Notifications;

/// <summary>The outbox table (<see cref="NotificationsSql"/>): enqueue in the sender's transaction, lease, and record each attempt.</summary>
internal sealed class NotificationsStore(NpgsqlDataSource dataSource)
{
    /// <summary>Writes one row per channel of <paramref name="message"/> inside the caller's transaction; nothing without channels.</summary>
    public static async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxMessage message, CancellationToken ct)
    {
        if (message.Channels.Count == 0) return;
        await using var command = new NpgsqlCommand(NotificationsSql.Enqueue, connection, transaction);
        command.Parameters.Arg(message.SubjectId).Arg(message.Channels.ToArray()).Arg(message.Event).Arg(message.Payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<LeasedNotification>> LeaseAsync(TimeSpan lease, IReadOnlyList<string> channels, int batchSize, CancellationToken ct)
    {
        var leased = new List<LeasedNotification>();
        await using var command = dataSource.CreateCommand(NotificationsSql.Lease);
        command.Parameters.Arg(lease).Arg(channels.ToArray()).Arg(batchSize);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            leased.Add(new LeasedNotification(reader.Get<long>("id"), reader.Get<string>("channel"), reader.Get<string>("payload"), reader.Get<int>("attempts")));
        }
        return leased;
    }

    public async Task DeliveredAsync(long id, int status, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(NotificationsSql.Delivered);
        command.Parameters.Arg(id).Arg(status);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reschedules a failed attempt after <paramref name="delay"/>, or dead-letters it; true when it did the latter.</summary>
    public async Task<bool> FailedAsync(long id, TimeSpan delay, int? status, string error, bool permanent, TimeSpan deadLetterAfter, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(NotificationsSql.Failed);
        command.Parameters.Arg(id).Arg(delay).Arg(status).Arg(error).Arg(permanent).Arg(deadLetterAfter);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && reader.Get<bool>("dead_letter");
    }

    /// <summary>Undelivered rows still being retried, and dead letters.</summary>
    public async Task<(long Pending, long DeadLetters)> CountAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(NotificationsSql.Pending);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.Get<long>("pending"), reader.Get<long>("dead_letters")) : (0, 0);
    }
}
