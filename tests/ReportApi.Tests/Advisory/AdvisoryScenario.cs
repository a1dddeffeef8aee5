using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Advisory;
using ReportApi.Tests.Infrastructure;
using ReportApi.Tests.Pins;

namespace ReportApi.Tests.Advisory;

/// <summary>
/// The pins scenario (<see cref="PinsScenario"/>: iOS 2.9.0 pins only the current intermediate; iOS and Android 3.1.0 add
/// the backup CA's root, Android without enforcing; iOS 3.0.0 pins the current intermediate and root, expiring in 10 days;
/// iOS 2.5.0's pins expired yesterday) with the advisory configured for the bank app on iOS and Android.
/// </summary>
internal static class AdvisoryScenario
{
    public const string IosMessage = "This version can no longer reach the bank. Please update.";
    public const string IosStore = "https://apps.apple.com/app/id000000001";
    public const string AndroidStore = "https://play.google.com/store/apps/details?id=com.example.bank";

    public static Dictionary<string, string?> Settings(PinsScenario scenario, bool android = true)
    {
        var settings = scenario.Settings;
        settings["Advisory:Apps:0:App"] = PinsScenario.App;
        settings["Advisory:Apps:0:Platform"] = "ios";
        settings["Advisory:Apps:0:Message"] = IosMessage;
        settings["Advisory:Apps:0:RecommendedMessage"] = "A certificate change is coming: update before it lands.";
        settings["Advisory:Apps:0:StoreUrl"] = IosStore;
        if (android)
        {
            settings["Advisory:Apps:1:App"] = PinsScenario.App;
            settings["Advisory:Apps:1:Platform"] = "Android";
            settings["Advisory:Apps:1:Message"] = "Please update the bank app.";
            settings["Advisory:Apps:1:StoreUrl"] = AndroidStore;
        }
        // Rebuilt on demand in most tests; the timeliness test sets its own interval.
        settings["Advisory:RefreshInterval"] = "00:01:00";
        return settings;
    }

    public static async Task<TestApp> SeededAsync(PostgresFixture postgres, PinsScenario scenario, CancellationToken ct, bool android = true,
        Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = Settings(scenario, android);
        configure?.Invoke(settings);
        var app = await TestApp.StartAsync(postgres, settings);
        await scenario.SeedAsync(app, ct);
        await PinsScenario.RefreshAsync(app, ct);
        await RebuildAsync(app, ct);
        return app;
    }

    public static Task RebuildAsync(TestApp app, CancellationToken ct) => app.Services.GetRequiredService<AdvisorySnapshot>().RefreshAsync(ct);

    public static string Pem(IEnumerable<X509Certificate2> chain) => string.Join("\n", chain.Select(c => c.ExportCertificatePem())) + "\n";

    public static Task<HttpResponseMessage> PutAsync(HttpClient client, string url, string body, string mediaType = "application/x-pem-file") =>
        client.PutAsync(url, new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(mediaType)), TestContext.Current.CancellationToken);

    /// <summary>Records a chain and returns the answer (the pre-flight verdict), asserting 200.</summary>
    public static async Task<JsonElement> RecordAsync(TestApp app, string kind, IEnumerable<X509Certificate2> chain, DateOnly? from = null,
        string host = PinsScenario.Host)
    {
        var url = $"/v1/hosts/{host}/chains/{kind}" + (from is { } d ? $"?from={d:yyyy-MM-dd}" : "");
        var response = await PutAsync(app.Admin, url, Pem(chain));
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<(HttpResponseMessage Response, JsonElement Body, string Text)> AdvisoryAsync(
        HttpClient client, string version, string platform = "ios", string app = PinsScenario.App, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get,
            $"/v1/advisory?app={Uri.EscapeDataString(app)}&version={Uri.EscapeDataString(version)}&platform={Uri.EscapeDataString(platform)}");
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var body = response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response, body, text);
    }

    public static async Task<string> ActionAsync(TestApp app, string version, string platform = "ios")
    {
        var (response, body, text) = await AdvisoryAsync(app.Client, version, platform);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return body.GetProperty("action").GetString()!;
    }
}
