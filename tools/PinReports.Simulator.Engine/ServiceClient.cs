using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PinReports.Tools;

namespace PinReports.Simulator;

/// <summary>A firing alert as <c>GET /v1/alerts</c> lists it (the fields the simulator prints).</summary>
internal sealed record FiringAlert(long Id, string SeriesKey, string Status, string Headline);

/// <summary>
/// HTTP to the service the way the apps talk to it: iOS posts with a Content-Length (NSURLSession upload), Android
/// chunked without one (HttpURLConnection.setChunkedStreamingMode(0)). Plus the operator calls: activity and alerts.
/// </summary>
internal sealed class ServiceClient(HttpClient http, string? adminKey, string? readerKey)
{
    public static HttpClient CreateHttpClient(Uri baseAddress) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 32,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Posts one report; returns the status code.</summary>
    public async Task<HttpStatusCode> SendReportAsync(SimReport report, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/reports");
        if (report.Device.Platform == DevicePlatform.Ios)
        {
            request.Content = new ByteArrayContent(report.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("User-Agent", $"ExampleBank/{report.Device.Release.Version} CFNetwork/1568.300.101 Darwin/24.2.0");
        }
        else
        {
            request.Content = new ChunkedBodyContent(report.Body, report.Body.Length);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.TransferEncodingChunked = true;
            request.Headers.TryAddWithoutValidation("User-Agent", $"Dalvik/2.1.0 (Linux; U; Android {report.Device.OsVersion}; Pixel 7 Build/AP2A.240905.003)");
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-For", report.Device.ClientAddress);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary><c>POST /v1/activity</c> (admin): today's active devices per version and platform.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostActivityAsync(Fleet fleet, DateOnly day, CancellationToken ct)
    {
        var rows = fleet.Activity().Select(a => new Dictionary<string, object>
        {
            ["app"] = Fleet.BundleId,
            ["version"] = a.Version,
            ["platform"] = a.Platform,
            ["day"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["activeDevices"] = a.Devices,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/activity")
        {
            Content = new StringContent(JsonSerializer.Serialize(rows), Encoding.UTF8, "application/json"),
        };
        if (adminKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    /// <summary><c>GET /v1/alerts?state=firing</c> (reader).</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyList<FiringAlert> Alerts)> FiringAlertsAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/alerts?state=firing");
        if (readerKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", readerKey);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, []);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        return (response.StatusCode, ParseAlerts(json.RootElement));
    }

    /// <summary>Reads <c>{ "state", "items": [...] }</c> (or a bare array) leniently.</summary>
    internal static List<FiringAlert> ParseAlerts(JsonElement root)
    {
        var items = root.ValueKind == JsonValueKind.Array ? root
            : root.TryGetProperty("items", out var i) ? i
            : root.TryGetProperty("alerts", out var a) ? a
            : default;
        var alerts = new List<FiringAlert>();
        if (items.ValueKind != JsonValueKind.Array) return alerts;
        foreach (var item in items.EnumerateArray())
        {
            alerts.Add(new FiringAlert(
                item.TryGetProperty("id", out var id) && id.TryGetInt64(out var n) ? n : 0,
                Text(item, "seriesKey"),
                Text(item, "status"),
                Text(item, "headline")));
        }

        return alerts;
    }

    private static string Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
