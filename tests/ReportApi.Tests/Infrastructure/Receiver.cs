using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReportApi.Tests.Infrastructure;

/// <summary>One request a <see cref="Receiver"/> got.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status)
{
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>
/// A real HTTP receiver on a loopback port (Kestrel), standing in for a webhook endpoint, Slack or PagerDuty. It records
/// every request; <see cref="Behaviour"/> decides the answer (status code, or a hang) from the path and how many requests
/// with the same delivery key it has seen.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _seen = new();

    private Receiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>(path, attempt number for this path + delivery key) → status; a negative value hangs that many milliseconds first, then answers 200.</summary>
    public Func<string, int, int> Behaviour { get; set; } = (_, _) => 200;

    /// <summary>(path, attempt) → extra response headers, e.g. <c>Retry-After</c>.</summary>
    public Func<string, int, IReadOnlyDictionary<string, string>?> ResponseHeaders { get; set; } = (_, _) => null;

    public string BaseUrl { get; private set; } = "";

    public string Url(string path) => BaseUrl + path;

    public IReadOnlyList<ReceivedRequest> At(string path) => [.. Requests.Where(r => r.Path == path && r.Status is >= 200 and < 300)];

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/{**path}", (Func<HttpContext, Task<IResult>>)receiver.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        receiver.BaseUrl = app.Urls.First();
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var path = context.Request.Path.Value ?? "";
        var key = path + "|" + (context.Request.Headers["X-PinReports-Delivery"].FirstOrDefault() ?? body);
        var attempt = _seen.AddOrUpdate(key, 1, (_, n) => n + 1);
        var status = Behaviour(path, attempt);
        if (status < 0)
        {
            try
            {
                await Task.Delay(-status, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Requests.Enqueue(new ReceivedRequest(path, Headers(context), body, 0));
                return Results.Empty;
            }
            status = 200;
        }
        Requests.Enqueue(new ReceivedRequest(path, Headers(context), body, status));
        foreach (var (name, value) in ResponseHeaders(path, attempt) ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        return Results.StatusCode(status);
    }

    private static Dictionary<string, string> Headers(HttpContext context) =>
        context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
