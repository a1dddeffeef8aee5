using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using PinReports.Tools;

namespace PinReports.LoadTest;

/// <summary>
/// The workers. Closed loop (default): <c>--concurrency</c> workers, each posting back-to-back. Open loop
/// (<c>--rate R</c>): request k is scheduled at start + k·(array-size / R) and taken by the next free worker, so the
/// workers bound the requests in flight; when all are busy, requests start late and the summary says so.
/// Each worker owns one body buffer, reused once its response has arrived: no per-report serialisation, no copies
/// beyond the template memcpy.
/// </summary>
internal sealed class LoadDriver
{
    private const string IosUserAgent = "PinReportsLoad/3 CFNetwork/1568.200.51 Darwin/24.1.0";
    private const string AndroidUserAgent = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240905.003)";

    private readonly LoadTestOptions _options;
    private readonly ReportFleet _fleet;
    private readonly HttpClient _client;
    private readonly Uri _ingestUri;
    private long _nextSequence;
    private long _nextScheduled;

    public LoadDriver(LoadTestOptions options, ReportFleet fleet, HttpClient client)
    {
        _options = options;
        _fleet = fleet;
        _client = client;
        _ingestUri = new Uri(options.Url, options.Path);
    }

    /// <summary>Reports handed out so far (the next sequence number).</summary>
    public long SequencesUsed => Interlocked.Read(ref _nextSequence);

    /// <summary>One shared handler: HTTP/1.1 keep-alive connections, as many as there are workers.</summary>
    public static HttpClient CreateClient(LoadTestOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        return new HttpClient(handler)
        {
            Timeout = options.RequestTimeout,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>
    /// Sends one report of the first device of <paramref name="platform"/> and returns (status, body): a sanity
    /// check before the load, so a template the server rejects fails loudly instead of producing 400s for 30 s.
    /// </summary>
    public async Task<(int Status, string Body, ReportId Id)> SendOneAsync(Platform platform, CancellationToken ct)
    {
        var device = _fleet.Devices.FirstOrDefault(d => d.Platform == platform) ?? _fleet.Devices[0];
        var seq = Interlocked.Increment(ref _nextSequence) - 1;
        var buffer = new byte[_fleet.MaxReportBytes];
        var length = _fleet.Write(buffer, seq, device);
        using var request = CreateRequest(buffer, length, device.Platform);
        using var response = await _client.SendAsync(request, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false), new ReportId(seq, device.Index));
    }

    public async Task RunAsync(RunStats stats, long startTicks, long measureStartTicks, long measureEndTicks)
    {
        var workers = new Task[_options.Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            var index = w;
            workers[w] = Task.Run(() => WorkerAsync(index, stats, startTicks, measureStartTicks, measureEndTicks));
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task WorkerAsync(int index, RunStats stats, long startTicks, long measureStartTicks, long measureEndTicks)
    {
        var random = new Random(unchecked(_options.Seed * 31 + index));
        var arraySize = _options.ArraySize;
        var buffer = new byte[(_fleet.MaxReportBytes + 1) * arraySize + 2];
        var ids = new ReportId[arraySize];
        var acknowledged = stats.Acknowledged[index];
        var notAcknowledged = stats.NotAcknowledged[index];
        var openLoop = _options.Rate > 0;
        var intervalTicks = openLoop ? Stopwatch.Frequency * arraySize / _options.Rate : 0;
        var lateThreshold = Stopwatch.Frequency / 100; // 10 ms behind schedule counts as late

        while (true)
        {
            long scheduled;
            if (openLoop)
            {
                var k = Interlocked.Increment(ref _nextScheduled) - 1;
                scheduled = startTicks + (long)(k * intervalTicks);
                if (scheduled >= measureEndTicks) break;
                var wait = scheduled - Stopwatch.GetTimestamp();
                if (wait > Stopwatch.Frequency / 1000)
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency)).ConfigureAwait(false);
                var lag = Stopwatch.GetTimestamp() - scheduled;
                if (scheduled >= measureStartTicks) stats.Lag(Math.Max(0, lag), lateThreshold);
            }
            else
            {
                scheduled = Stopwatch.GetTimestamp();
                if (scheduled >= measureEndTicks) break;
            }

            // Build the body: one report (what the apps send) or a JSON array of them.
            var length = 0;
            Platform platform = Platform.Ios;
            if (arraySize > 1) buffer[length++] = (byte)'[';
            for (var r = 0; r < arraySize; r++)
            {
                if (r > 0) buffer[length++] = (byte)',';
                var device = _fleet.Devices[random.Next(_fleet.Devices.Count)];
                if (r == 0) platform = device.Platform;
                var seq = Interlocked.Increment(ref _nextSequence) - 1;
                length += _fleet.Write(buffer.AsSpan(length), seq, device);
                ids[r] = new ReportId(seq, device.Index);
            }

            if (arraySize > 1) buffer[length++] = (byte)']';

            var started = Stopwatch.GetTimestamp();
            stats.Started();
            int status;
            try
            {
                using var request = CreateRequest(buffer, length, platform);
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (status != 204 && !stats.FirstProblemBody.ContainsKey(status))
                {
                    var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    var retryAfter = response.Headers.RetryAfter?.ToString();
                    stats.FirstProblemBody.TryAdd(status, (retryAfter is null ? "" : $"[Retry-After: {retryAfter}] ") + Truncate(body, 600));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                var phaseOnError = PhaseAt(Stopwatch.GetTimestamp(), measureStartTicks, measureEndTicks);
                stats.Failed(phaseOnError, Describe(e));
                notAcknowledged.AddRange(ids);
                continue;
            }

            var finished = Stopwatch.GetTimestamp();
            // Task.Delay may wake a little early (and waits under 1 ms are skipped): never count from after the real start.
            stats.Completed(PhaseAt(finished, measureStartTicks, measureEndTicks), status, arraySize, finished - started, finished - Math.Min(scheduled, started));
            if (status == 204) acknowledged.AddRange(ids);
            else notAcknowledged.AddRange(ids);
        }
    }

    private HttpRequestMessage CreateRequest(byte[] buffer, int length, Platform platform)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _ingestUri);
        HttpContent content = platform == Platform.Android && _options.AndroidChunked
            ? new ChunkedBodyContent(buffer, length)
            : new ByteArrayContent(buffer, 0, length);
        // Exactly what both TrustKits send: no charset parameter (§2.4, §3.5).
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content = content;
        if (content is ChunkedBodyContent) request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation("User-Agent", platform == Platform.Android ? AndroidUserAgent : IosUserAgent);
        return request;
    }

    private static Phase PhaseAt(long ticks, long measureStart, long measureEnd) =>
        ticks < measureStart ? Phase.Warmup : ticks < measureEnd ? Phase.Measured : Phase.Drain;

    private static string Describe(Exception e)
    {
        if (e is TaskCanceledException) return e.InnerException is TimeoutException ? "client-timeout" : "canceled";
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket) return $"socket:{socket.SocketErrorCode}";
        }

        return e is HttpRequestException http ? $"http:{http.HttpRequestError}" : e.GetType().Name;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
