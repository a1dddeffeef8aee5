using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Observability;

/// <summary>
/// No raw install id, ingest key or API key reaches the logs, the exported spans or /metrics (issue 20.2): a data-subject
/// deletion, a keyed ingest and a Bearer query are made, then everything the service emitted is searched for them.
/// </summary>
public sealed class PrivacyLeakTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string VendorId = Guid.NewGuid().ToString().ToUpperInvariant();
    private static readonly string IngestKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Request_logs_name_route_templates_and_carry_no_vendor_id_ingest_key_or_api_key()
    {
        var environment = new Dictionary<string, string?>
        {
            ["Serilog__MinimumLevel__Default"] = "Debug",
            ["Auth__ApiKeys__0__Name"] = "on-call", ["Auth__ApiKeys__0__Key"] = TestApp.ReaderKey, ["Auth__ApiKeys__0__Role"] = "reader",
            ["Auth__ApiKeys__1__Name"] = "dpo", ["Auth__ApiKeys__1__Key"] = TestApp.AdminKey, ["Auth__ApiKeys__1__Role"] = "admin",
            ["Ingest__AppKeys__0__App"] = "com.example.bank", ["Ingest__AppKeys__0__Key"] = IngestKey,
        };
        await using var service = await ServiceProcess.StartAsync(await postgres.CreateDatabaseAsync(), environment);
        using var client = new HttpClient { BaseAddress = service.Address };

        await MakeSensitiveRequestsAsync(client);
        var metrics = await client.GetStringAsync("/metrics", Ct);

        var lines = await WaitForAsync(() => service.Output.ToList(), output =>
            output.Any(l => l.Contains("/v1/devices/{vendorId}", StringComparison.Ordinal)) &&
            output.Any(l => l.Contains("\"RequestPath\":\"/v1/reports\"", StringComparison.Ordinal) && l.Contains("\"RequestMethod\":\"GET\"", StringComparison.Ordinal)) &&
            output.Any(l => l.Contains("\"RequestPath\":\"/v1/reports\"", StringComparison.Ordinal) && l.Contains("\"RequestMethod\":\"POST\"", StringComparison.Ordinal)),
            output => string.Join("\n", output.TakeLast(20)));
        var deletion = lines.Single(l => l.Contains("/v1/devices/{vendorId}", StringComparison.Ordinal));
        Assert.Equal(200, JsonDocument.Parse(deletion).RootElement.GetProperty("StatusCode").GetInt32());
        Assert.Contains(lines, l => l.Contains("(no endpoint)", StringComparison.Ordinal));

        // OpenTelemetry resource: which service and release produced these metrics.
        Assert.Contains("service_name=\"pinreports-reportapi\"", metrics, StringComparison.Ordinal);
        Assert.Matches("service_version=\"[0-9][^\"]*\"", metrics);

        AssertNoSecret("log output", string.Join("\n", lines));
        AssertNoSecret("/metrics", metrics);
    }

    [Fact]
    public async Task Exported_spans_carry_route_templates_and_no_vendor_id_ingest_key_or_api_key()
    {
        // The exporter adds from the SDK's export thread without a lock of ours: a collection that locks itself, so a
        // snapshot taken while spans are still arriving never races with an Add (it did: "Destination array was not
        // long enough").
        var spans = new LockedCollection<Activity>();
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Ingest:AppKeys:0:App"] = "com.example.bank",
            ["Ingest:AppKeys:0:Key"] = IngestKey,
        }, services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        await MakeSensitiveRequestsAsync(client);

        var ours = await WaitForAsync(() => spans.Snapshot().Where(IsOurs).ToList(), found =>
            found.Any(s => s.DisplayName == "DELETE /v1/devices/{vendorId}") && found.Count(s => (s.GetTagItem("http.route") as string)?.TrimEnd('/') == "/v1/reports") >= 2,
            found => string.Join("\n", found.Select(Describe)));
        var deletion = ours.First(s => s.DisplayName == "DELETE /v1/devices/{vendorId}");
        Assert.Equal("/v1/devices/{vendorId}", deletion.GetTagItem("url.path"));
        Assert.Null(ours.First(s => s.GetTagItem("http.request.method") as string == "POST").GetTagItem("url.query"));

        var all = spans.Snapshot();
        AssertNoSecret("exported spans", string.Join("\n", all.Select(Describe)));
        bool IsOurs(Activity span) => span.Kind == ActivityKind.Server && (span.GetTagItem("server.port") as int? ?? 0) == app.BaseAddress.Port;
    }

    /// <summary>A deletion (vendor id in the path), a keyed ingest (key in the query, vendor id in the body), a Bearer query and a typo'd path.</summary>
    private static async Task MakeSensitiveRequestsAsync(HttpClient client)
    {
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/devices/{VendorId}"))
        {
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(delete, Ct)).StatusCode);
        }
        var pki = LivePki.Create("api.bank.example", "leaks");
        var body = ReportJson.Ios("api.bank.example", pki.Chain, ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""], vendorId: VendorId).ToJsonString();
        var ingest = await client.PostAsync($"/v1/reports?key={IngestKey}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.NoContent, ingest.StatusCode);
        using (var query = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports?app=com.example.bank&cursor={VendorId}"))
        {
            query.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.ReaderKey);
            Assert.True((await client.SendAsync(query, Ct)).StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/device/{VendorId}?key={IngestKey}", Ct)).StatusCode);
    }

    private static void AssertNoSecret(string where, string text)
    {
        foreach (var (name, value) in new[] { ("vendor id", VendorId), ("ingest key", IngestKey), ("admin API key", TestApp.AdminKey), ("reader API key", TestApp.ReaderKey) })
        {
            Assert.False(text.Contains(value, StringComparison.OrdinalIgnoreCase), $"the raw {name} appears in {where}");
        }
    }

    private static string Describe(Activity span) =>
        $"{span.DisplayName} {span.OperationName} {string.Join(" ", span.TagObjects.Select(t => $"{t.Key}={t.Value}"))} " +
        string.Join(" ", span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}"))) + " " +
        string.Join(" ", span.Baggage.Select(b => $"{b.Key}={b.Value}"));

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, Func<T, string> show)
    {
        for (var i = 0; i < 100; i++)
        {
            var value = read();
            if (done(value)) return value;
            await Task.Delay(100, Ct);
        }
        var last = read();
        Assert.True(done(last), "the expected telemetry did not appear within 10 s:\n" + show(last));
        return last;
    }
}

/// <summary>An <see cref="ICollection{T}"/> whose every member takes one lock, for an exporter that adds from another thread.</summary>
internal sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count { get { lock (_items) return _items.Count; } }

    public bool IsReadOnly => false;

    public List<T> Snapshot() { lock (_items) return [.. _items]; }

    public void Add(T item) { lock (_items) _items.Add(item); }

    public void Clear() { lock (_items) _items.Clear(); }

    public bool Contains(T item) { lock (_items) return _items.Contains(item); }

    public void CopyTo(T[] array, int arrayIndex) { lock (_items) _items.CopyTo(array, arrayIndex); }

    public bool Remove(T item) { lock (_items) return _items.Remove(item); }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
