using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Observability;

namespace ReportApi.Notifications;

/// <summary>
/// Delivers the outbox at least once. Each poll leases due rows (a lease, not a long transaction, so a slow receiver
/// holds no connection), sends them concurrently, and marks each delivered on a 2xx or reschedules it with exponential
/// backoff and full jitter. There is no last attempt: a receiver that is down for an hour gets every notification,
/// in order per alert and channel, once it is back; the backlog is the <c>pinreports.notifications.pending</c> gauge.
/// </summary>
internal sealed partial class NotificationDispatcher(
    NpgsqlDataSource dataSource,
    IHttpClientFactory httpClients,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "notifications";

    private long _pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled) return;
        ReportApiTelemetry.ObserveNotificationBacklog(() => Interlocked.Read(ref _pending));
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                while (await DispatchAsync(stoppingToken) == options.Value.BatchSize)
                {
                    // A full batch means more are due: keep draining before waiting for the next tick.
                }
                await using var count = dataSource.CreateCommand(NotificationsSql.Pending);
                Interlocked.Exchange(ref _pending, Convert.ToInt64(await count.ExecuteScalarAsync(stoppingToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is down or similar: the rows stay in the outbox, the next tick tries again.
                LogPollFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Leases and sends one batch of due notifications; returns how many were leased.</summary>
    internal async Task<int> DispatchAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var channels = settings.Channels;
        if (channels.Count == 0) return 0;

        var leased = new List<(long Id, string Channel, string Payload, int Attempts)>();
        await using (var lease = dataSource.CreateCommand(NotificationsSql.Lease))
        {
            lease.Parameters.Add(new NpgsqlParameter { Value = settings.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
            lease.Parameters.Add(new NpgsqlParameter { Value = channels.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            lease.Parameters.Add(new NpgsqlParameter { Value = settings.BatchSize, NpgsqlDbType = NpgsqlDbType.Integer });
            await using var reader = await lease.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) leased.Add((reader.GetInt64(0), reader.GetString(2), reader.GetString(4), reader.GetInt32(5)));
        }

        await Task.WhenAll(leased.Select(row => SendAsync(row.Id, row.Channel, row.Payload, row.Attempts, settings, ct)));
        return leased.Count;
    }

    private async Task SendAsync(long id, string channel, string payload, int attempts, NotificationOptions settings, CancellationToken ct)
    {
        int? status = null;
        string? error;
        try
        {
            var rendered = NotificationRenderer.Render(channel, id, NotificationJson.Read(payload), settings, time.GetUtcNow());
            using var request = new HttpRequestMessage(HttpMethod.Post, rendered.Url)
            {
                Content = new StringContent(rendered.Body, Encoding.UTF8, "application/json"),
            };
            foreach (var (name, value) in rendered.Headers) request.Headers.TryAddWithoutValidation(name, value);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await MarkAsync(NotificationsSql.Delivered, id, null, status, null, ct);
                ReportApiTelemetry.NotificationSent(channel);
                return;
            }
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            error = $"HTTP {status}: {Truncate(body, 500)}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"timed out after {settings.Timeout}";
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or InvalidOperationException)
        {
            error = e.Message;
        }

        var delay = Backoff(attempts + 1, settings);
        ReportApiTelemetry.NotificationFailed(channel);
        LogFailed(channel, id, attempts + 1, error, delay);
        // Not the request's token: a shutdown mid-send must still release the row for the next start.
        await MarkAsync(NotificationsSql.Failed, id, delay, status, error, CancellationToken.None);
    }

    /// <summary>Full jitter: uniformly random in [0, min(max, initial·2^(failures−1))], so receivers coming back are not stampeded.</summary>
    internal static TimeSpan Backoff(int failures, NotificationOptions settings)
    {
        var exponent = Math.Min(failures - 1, 30);
        var cap = Math.Min(settings.MaxBackoff.Ticks, settings.InitialBackoff.Ticks * (double)(1L << exponent));
        // After many failures keep retrying near the maximum, never less than half of it: a long outage does not turn into a hot loop.
        var floor = cap >= settings.MaxBackoff.Ticks ? cap / 2 : 0;
        return TimeSpan.FromTicks((long)(floor + Random.Shared.NextDouble() * (cap - floor)));
    }

    private async Task MarkAsync(string sql, long id, TimeSpan? delay, int? status, string? error, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (delay is { } d) command.Parameters.Add(new NpgsqlParameter { Value = d, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        if (sql == NotificationsSql.Failed) command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} to {Channel} failed (attempt {Attempt}): {Error}; retrying in {Delay}")]
    private partial void LogFailed(string channel, long id, int attempt, string? error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification dispatch poll failed")]
    private partial void LogPollFailed(Exception exception);
}
