using System.Net;
using System.Text.Json;
using ReportApi.Pins;
using ReportApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ReportApi.Tests.Pins;

public sealed class PinInventoryTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Inventory_shows_each_version_with_its_pins_devices_first_and_last_seen_and_flags()
    {
        using var scenario = new PinsScenario();
        await using var app = await PinsScenario.StartAsync(postgres, scenario);
        await scenario.SeedAsync(app, Ct);
        await PinsScenario.RefreshAsync(app, Ct);

        var body = await GetJsonAsync(app.Reader, "/v1/pins");
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(5, items.Count);
        Assert.Equal(30, body.GetProperty("expiringWithinDays").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("dataThrough").ValueKind);

        var v29 = Item(items, "IOS", "2.9.0");
        Assert.Equal(PinsScenario.App, v29.GetProperty("app").GetString());
        Assert.Equal(PinsScenario.Host, v29.GetProperty("notedHostname").GetString());
        Assert.Equal(3, v29.GetProperty("devices").GetInt64());
        Assert.Equal(4, v29.GetProperty("reports").GetInt64());
        var pin = Assert.Single(v29.GetProperty("pins").EnumerateArray());
        Assert.Equal(scenario.IntermediatePin, pin.GetProperty("sha256").GetString());
        Assert.Equal(PinsScenario.Directive(scenario.IntermediatePin), pin.GetProperty("pin").GetString());
        var certificate = pin.GetProperty("matchedCertificate");
        Assert.Equal(scenario.Current.Intermediate.Subject, certificate.GetProperty("subject").GetString());
        Assert.Equal("intermediate", certificate.GetProperty("role").GetString());
        Assert.Equal(1, certificate.GetProperty("position").GetInt32());
        Assert.Equal(scenario.Current.Root.Subject, certificate.GetProperty("ca").GetString());
        Assert.Equal(["fewer-than-two-pins", "single-ca"], Flags(v29));

        // First and last seen are the receive times of the version's oldest and newest report.
        var (first, last) = await SeenAsync(app, "2.9.0");
        Assert.Equal(first, v29.GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(last, v29.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.True(first < last);

        var v31 = Item(items, "IOS", "3.1.0");
        Assert.Equal(2, v31.GetProperty("devices").GetInt64());
        var backup = v31.GetProperty("pins").EnumerateArray().Single(p => p.GetProperty("sha256").GetString() == scenario.BackupRootPin);
        Assert.Equal("operator-root", backup.GetProperty("matchedCertificate").GetProperty("source").GetString());
        Assert.Empty(Flags(v31));

        var android = Item(items, "ANDROID", "3.1.0");
        Assert.Equal(1, android.GetProperty("devices").GetInt64());
        Assert.False(android.GetProperty("enforcePinning").GetBoolean());
        Assert.Empty(Flags(android));

        var v30 = Item(items, "IOS", "3.0.0");
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(10).ToString("yyyy-MM-dd"), v30.GetProperty("expirationDate").GetString());
        Assert.Equal(["single-ca", "expiring-soon"], Flags(v30));

        // A spare key we have never seen may sit under any CA, so it clears single-ca.
        var v25 = Item(items, "IOS", "2.5.0");
        Assert.Equal(["expired"], Flags(v25));
        Assert.Contains(v25.GetProperty("pins").EnumerateArray(), p => p.GetProperty("matchedCertificate").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Filters_narrow_the_inventory_and_expiringWithinDays_moves_the_flag()
    {
        using var scenario = new PinsScenario();
        await using var app = await PinsScenario.StartAsync(postgres, scenario);
        await scenario.SeedAsync(app, Ct);
        await PinsScenario.RefreshAsync(app, Ct);

        var android = await GetJsonAsync(app.Reader, "/v1/pins?platform=android&unknownParameter=1");
        Assert.Equal("ANDROID", Assert.Single(android.GetProperty("items").EnumerateArray()).GetProperty("platform").GetString());

        var v31 = await GetJsonAsync(app.Admin, $"/v1/pins?app={PinsScenario.App}&version=3.1.0&hostname=API.bank.example");
        Assert.Equal(2, v31.GetProperty("items").GetArrayLength());

        Assert.Equal(0, (await GetJsonAsync(app.Reader, "/v1/pins?hostname=other.example")).GetProperty("items").GetArrayLength());

        var shortHorizon = await GetJsonAsync(app.Reader, "/v1/pins?version=3.0.0&expiringWithinDays=5");
        Assert.Equal(["single-ca"], Flags(Assert.Single(shortHorizon.GetProperty("items").EnumerateArray())));
    }

    [Fact]
    public async Task Refreshing_twice_does_not_double_count_and_later_reports_add_exactly()
    {
        using var scenario = new PinsScenario();
        await using var app = await PinsScenario.StartAsync(postgres, scenario);
        await scenario.SeedAsync(app, Ct);

        await PinsScenario.RefreshAsync(app, Ct);
        var once = await CountsAsync(app);
        await PinsScenario.RefreshAsync(app, Ct);
        await PinsScenario.RefreshAsync(app, Ct);
        Assert.Equal(once, await CountsAsync(app));
        Assert.Equal((9L, 8L), once); // nine reports; devices per row 3 + 2 + 1 + 1 + 1 (device a is in two rows)

        // One more report from a known device and one from a new device.
        string[] v29 = [PinsScenario.Directive(scenario.IntermediatePin)];
        await PinsScenario.PostAsync(app, scenario.Ios("2.9.0", v29, "device-b", "2026-11-27T12:00:00Z"), Ct);
        await PinsScenario.PostAsync(app, scenario.Ios("2.9.0", v29, "device-h"), Ct);
        await PinsScenario.RefreshAsync(app, Ct);

        Assert.Equal((11L, 9L), await CountsAsync(app));
        Assert.Equal(await app.CountAsync("SELECT count(*) FROM reports"), await app.CountAsync("SELECT sum(reports) FROM pin_inventory"));
        Assert.Equal(await app.CountAsync("SELECT count(*) FROM pin_inventory_devices"), await app.CountAsync("SELECT sum(devices) FROM pin_inventory"));
    }

    [Fact]
    public async Task Expiring_pins_are_exposed_to_the_gauge()
    {
        using var scenario = new PinsScenario();
        await using var app = await PinsScenario.StartAsync(postgres, scenario);
        await scenario.SeedAsync(app, Ct);
        await PinsScenario.RefreshAsync(app, Ct);

        var gauge = app.Services.GetRequiredService<ExpiringPinsGauge>();
        await gauge.UpdateAsync(Ct);

        var days = gauge.Current.ToDictionary(m => (string)m.Tags.ToArray().Single(t => t.Key == "version").Value!, m => m.Value);
        Assert.Equal(new Dictionary<string, int> { ["3.0.0"] = 10, ["2.5.0"] = -1 }, days);
        Assert.Equal("pinreports.pins.expiring", ExpiringPinsGauge.InstrumentName);
    }

    [Theory]
    [InlineData("expiringWithinDays=abc")]
    [InlineData("expiringWithinDays=-1")]
    [InlineData("expiringWithinDays=99999999999")]
    [InlineData("version=1&version=2")]
    public async Task Malformed_query_parameters_are_400(string query)
    {
        await using var app = await TestApp.StartAsync(postgres);
        var response = await app.Reader.GetAsync($"/v1/pins?{query}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty((await response.ProblemAsync()).GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Inventory_needs_an_api_key()
    {
        await using var app = await TestApp.StartAsync(postgres);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.GetAsync("/v1/pins", Ct)).StatusCode);
        using var wrong = app.CreateClient("not-a-configured-key-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/v1/pins", Ct)).StatusCode);
        var empty = await GetJsonAsync(app.Reader, "/v1/pins");
        Assert.Equal(0, empty.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_both_endpoints_with_their_query_parameters()
    {
        await using var app = await TestApp.StartAsync(postgres);
        using var openApi = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json", Ct));
        var paths = openApi.RootElement.GetProperty("paths");
        var pinParameters = paths.GetProperty("/v1/pins").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["app", "version", "platform", "hostname", "expiringWithinDays"], pinParameters);
        var preflight = paths.GetProperty("/v1/preflight").GetProperty("post");
        Assert.Equal("hostname", Assert.Single(preflight.GetProperty("parameters").EnumerateArray()).GetProperty("name").GetString());
        Assert.True(preflight.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/x-pem-file", out _));
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    private static JsonElement Item(List<JsonElement> items, string platform, string version) =>
        items.Single(i => i.GetProperty("platform").GetString() == platform && i.GetProperty("version").GetString() == version);

    private static List<string> Flags(JsonElement item) => [.. item.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!)];

    private static async Task<(long Reports, long Devices)> CountsAsync(TestApp app) =>
        (await app.CountAsync("SELECT sum(reports) FROM pin_inventory"), await app.CountAsync("SELECT sum(devices) FROM pin_inventory"));

    private static async Task<(DateTimeOffset First, DateTimeOffset Last)> SeenAsync(TestApp app, string version)
    {
        await using var command = app.Db.CreateCommand($"SELECT min(received_at), max(received_at) FROM reports WHERE app_version = '{version}'");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1));
    }
}
