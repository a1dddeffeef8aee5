using System.Text;
using Microsoft.Extensions.Options;
using ReportApi.Observability;

namespace ReportApi.Notifications;

/// <summary>
/// Delivers the outbox at least once. Each poll leases due rows (a lease, not a long transaction, so a slow receiver
/// holds no connection), sends them concurrently, and marks each delivered on a 2xx or reschedules it with exponential
/// backoff and full jitter, or the receiver's <c>Retry-After</c> when it asks for longer. A receiver that is down (5xx,
/// timeouts, 429) is retried forever: one that is down for an hour gets every notification, in order per subject (the
/// alert) and channel, once it is back; the backlog is the <c>pinreports.notifications.pending</c> gauge. A permanent refusal
/// (4xx other than 408/425/429) turns into a dead letter once the row is older than <c>DeadLetterAfter</c>.
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationsStore store,
    INotificationRenderer renderer,
    IHttpClientFactory httpClients,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "notifications";

    private long _pending;
    private long _deadLetters;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled) return;
        ReportApiTelemetry.ObserveNotificationBacklog(() => Interlocked.Read(ref _pending), () => Interlocked.Read(ref _deadLetters));
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                while (await DispatchAsync(stoppingToken) == options.Value.BatchSize)
                {
                    // A full batch means more are due: keep draining before waiting for the next tick.
                }
                var (pending, deadLetters) = await store.CountAsync(stoppingToken);
                Interlocked.Exchange(ref _pending, pending);
                Interlocked.Exchange(ref _deadLetters, deadLetters);
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

        var leased = await store.LeaseAsync(settings.Lease, channels, settings.BatchSize, ct);
        await Task.WhenAll(leased.Select(row => SendAsync(row, settings, ct)));
        return leased.Count;
    }

    private async Task SendAsync(LeasedNotification row, NotificationOptions settings, CancellationToken ct)
    {
        var (id, channel, attempts) = (row.Id, row.Channel, row.Attempts);
        int? status = null;
        string? error;
        TimeSpan? retryAfter = null;
        try
        {
            var rendered = ChannelTransport.Render(channel, id, row.Payload, renderer, settings, time.GetUtcNow());
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
                await store.DeliveredAsync(id, status.Value, ct);
                ReportApiTelemetry.NotificationSent(channel);
                return;
            }
            retryAfter = RetryAfter(response, time.GetUtcNow());
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
        if (retryAfter is { } asked) delay = TimeSpan.FromTicks(Math.Max(delay.Ticks, Math.Min(asked.Ticks, settings.MaxRetryAfter.Ticks)));
        ReportApiTelemetry.NotificationFailed(channel);
        // Not the request's token: a shutdown mid-send must still release the row for the next start.
        var dead = await store.FailedAsync(id, delay, status, error ?? "unknown error", IsPermanent(status), settings.DeadLetterAfter, CancellationToken.None);
        if (dead)
        {
            ReportApiTelemetry.NotificationDeadLettered(channel);
            LogDeadLetter(channel, id, attempts + 1, error, settings.DeadLetterAfter);
        }
        else
        {
            LogFailed(channel, id, attempts + 1, error, delay);
        }
    }

    /// <summary>4xx that repeating will not fix; 408 (timeout), 425 (too early) and 429 (slow down) are worth retrying.</summary>
    internal static bool IsPermanent(int? status) => status is >= 400 and < 500 and not (408 or 425 or 429);

    /// <summary>The receiver's <c>Retry-After</c> (seconds or an HTTP date), if it sent one.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>Full jitter: uniformly random in [0, min(max, initial·2^(failures−1))], so receivers coming back are not stampeded.</summary>
    internal static TimeSpan Backoff(int failures, NotificationOptions settings)
    {
        var exponent = Math.Min(failures - 1, 30);
        var cap = Math.Min(settings.MaxBackoff.Ticks, settings.InitialBackoff.Ticks * (double)(1L << exponent));
        // After many failures keep retrying near the maximum, never less than half of it: a long outage does not turn into a hot loop.
        var floor = cap >= settings.MaxBackoff.Ticks ? cap / 2 : 0;
        return TimeSpan.FromTicks((long)(floor + Random.Shared.NextDouble() * (cap - floor)));
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} to {Channel} failed (attempt {Attempt}): {Error}; retrying in {Delay}")]
    private partial void LogFailed(string channel, long id, int attempt, string? error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Id} to {Channel} is a dead letter after {Attempt} attempts: {Error}; the receiver refused it for longer than {DeadLetterAfter}. Fix the channel's configuration; the row stays in notification_outbox")]
    private partial void LogDeadLetter(string channel, long id, int attempt, string? error, TimeSpan deadLetterAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification dispatch poll failed")]
    private partial void LogPollFailed(Exception exception);
}
