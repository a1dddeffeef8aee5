using System.Net;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Diagnosis.HistoryReports;

namespace ReportApi.Tests.Diagnosis;

/// <summary>
/// Issue 13 through HTTP and PostgreSQL: the writer records the keys of the host's own trusted chains, the diagnosis of
/// later reports uses them (also when a verdict for the same chain was cached before the history grew), and validity
/// is judged at the device's time where it can be trusted.
/// </summary>
public sealed class KeyHistoryIngestTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("ios")]
    [InlineData("android")]
    [InlineData("rfc7469")]
    public async Task Leaf_only_chain_of_our_CA_turns_from_interception_to_incomplete_chain_once_the_history_holds_the_intermediate(string dialect)
    {
        var pki = LivePki.Create(Host, $"hist-{dialect}");
        var stranger = LivePki.Create(Host, $"stranger-{dialect}");
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = RootsFile(pki.Root) });

        // No history yet: a leaf alone cannot be told from someone else's certificate.
        await PostAsync(app, Body(dialect, [pki.Leaf], "device-1"));
        Assert.Equal("interception-suspected", await DiagnosisOfAsync(app, "device-1"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM host_keys"));

        // A complete chain of ours (a rotation: no key pinned) teaches the history its three keys.
        await PostAsync(app, Body(dialect, pki.Chain.ToList(), "device-2"));
        Assert.Equal("server-rotation", await DiagnosisOfAsync(app, "device-2"));
        Assert.Equal(3, await app.CountAsync($"SELECT count(*) FROM host_keys WHERE noted_hostname = '{Host}'"));
        Assert.Equal(1, await app.CountAsync(
            $"SELECT count(*) FROM host_keys WHERE role = 'intermediate' AND certificate IS NOT NULL AND spki_sha256 = '{TestPki.SpkiPin(pki.Intermediate)}'"));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM host_keys WHERE role = 'root' AND spki_sha256 = '{TestPki.SpkiPin(pki.Root)}'"));

        // The same leaf-only chain again: its cached verdict was made without the history, so it must not be served.
        await PostAsync(app, Body(dialect, [pki.Leaf], "device-3"));
        Assert.Equal("certificate-invalid", await DiagnosisOfAsync(app, "device-3"));

        // A leaf of a CA we never saw stays interception.
        await PostAsync(app, Body(dialect, [stranger.Leaf, stranger.Intermediate], "device-4"));
        Assert.Equal("interception-suspected", await DiagnosisOfAsync(app, "device-4"));

        // The report API explains it from the same history.
        await PostAsync(app, Body(dialect, [pki.Leaf], "device-5"));
        using var details = await DetailsAsync(app, "device-5");
        var diagnosis = details.RootElement.GetProperty("diagnosis");
        Assert.Equal(TestPki.SpkiPin(pki.Intermediate), diagnosis.GetProperty("changedSpki").GetString());
        Assert.Contains("incomplete chain", diagnosis.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_of_a_leaf_only_chain_names_the_intermediate_the_history_holds()
    {
        var pki = LivePki.Create(Host, "hist-preflight");
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = RootsFile(pki.Root) });

        var before = await PreflightAsync(app, pki.Leaf.ExportCertificatePem());
        Assert.DoesNotContain(before, w => w.Contains("omits the intermediate", StringComparison.Ordinal));

        await PostAsync(app, Body("ios", pki.Chain.ToList(), "seen-device"));
        var after = await PreflightAsync(app, pki.Leaf.ExportCertificatePem());
        Assert.Contains(after, w => w.Contains($"omits the intermediate '{pki.Intermediate.Subject}' (SPKI {TestPki.SpkiPin(pki.Intermediate)}", StringComparison.Ordinal));

        // A leaf of someone else's CA is not completed by our intermediate, whatever its names.
        var stranger = LivePki.Create(Host, "hist-preflight-stranger");
        Assert.DoesNotContain(await PreflightAsync(app, stranger.Leaf.ExportCertificatePem()), w => w.Contains("omits the intermediate", StringComparison.Ordinal));
    }

    private static async Task<List<string>> PreflightAsync(TestApp app, string pem)
    {
        using var content = new StringContent(pem, System.Text.Encoding.ASCII, "application/x-pem-file");
        var response = await app.Reader.PostAsync($"/v1/preflight?hostname={Host}", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return [.. body.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];
    }

    [Fact]
    public async Task A_chain_for_another_name_or_an_untrusted_chain_teaches_the_history_nothing_and_a_known_chain_adds_no_rows()
    {
        var pki = LivePki.Create(Host, "hist-none");
        var cdn = LivePki.Create("edge.cdn.example", "hist-none");
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = RootsFile(pki.Root) });

        await PostAsync(app, Body("ios", [cdn.Leaf, pki.Intermediate, pki.Root], "cdn-device"));
        await PostAsync(app, Body("ios", LivePki.Create(Host, "untrusted").Chain.ToList(), "proxy-device"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM host_keys"));

        await PostAsync(app, Body("ios", pki.Chain.ToList(), "d1"));
        var firstSeen = await app.CountAsync("SELECT count(*) FROM host_keys");
        await PostAsync(app, Body("ios", pki.Chain.ToList(), "d2"));
        Assert.Equal(3, firstSeen);
        Assert.Equal(3, await app.CountAsync("SELECT count(*) FROM host_keys"));
    }

    [Theory]
    [InlineData("ios", "server-rotation", "device")]
    [InlineData("rfc7469", "server-rotation", "device")]
    [InlineData("android", "certificate-invalid", "received")]
    public async Task A_late_upload_is_judged_at_the_devices_time_only_where_that_time_is_UTC(string dialect, string expected, string source)
    {
        var now = DateTimeOffset.UtcNow;
        var root = TestPki.Root("CN=Late Root, O=PinReports Tests", $"late-root-{dialect}", now.AddYears(-5), now.AddYears(10));
        var intermediate = TestPki.Intermediate("CN=Late Issuing CA, O=PinReports Tests", $"late-int-{dialect}", root, $"late-root-{dialect}", now.AddYears(-1), now.AddYears(3));
        // Expired yesterday; the device failed three days ago, when it was still valid.
        var leaf = TestPki.Leaf(Host, $"late-leaf-{dialect}", intermediate, $"late-int-{dialect}", now.AddDays(-90), now.AddDays(-1));
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = RootsFile(root) });

        await PostAsync(app, Body(dialect, [leaf, intermediate, root], "late-device", dateTime: now.AddDays(-3)));

        Assert.Equal(expected, await DiagnosisOfAsync(app, "late-device"));
        using var details = await DetailsAsync(app, "late-device");
        var diagnosis = details.RootElement.GetProperty("diagnosis");
        Assert.Equal(expected, diagnosis.GetProperty("code").GetString());
        Assert.Equal(source, diagnosis.GetProperty("validityTimeSource").GetString());
        Assert.False(string.IsNullOrEmpty(diagnosis.GetProperty("validityTimeReason").GetString()));
    }

    [Fact]
    public async Task Device_time_bound_is_configuration_and_bad_values_stop_start_up()
    {
        var now = DateTimeOffset.UtcNow;
        var pki = LivePki.Create(Host, "bound");
        var expired = TestPki.Leaf(Host, "bound-leaf", pki.Intermediate, "bound-int", now.AddDays(-90), now.AddDays(-1));
        await using (var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["Diagnosis:TrustedRootsFile"] = RootsFile(pki.Root),
            ["Diagnosis:ClientTimeMaxAge"] = "2.00:00:00",
        }))
        {
            await PostAsync(app, Body("ios", [expired, pki.Intermediate, pki.Root], "bound-device", dateTime: now.AddDays(-3)));
            Assert.Equal("certificate-invalid", await DiagnosisOfAsync(app, "bound-device"));
        }

        foreach (var (key, value) in new[] { ("ClientTimeMaxAge", "-1.00:00:00"), ("ClientTimeMaxAge", "45.00:00:00"), ("HistoryRefreshInterval", "00:00:00"), ("HistoryMaxKeysPerHost", "1") })
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var bad = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { [$"Diagnosis:{key}"] = value });
            });
            Assert.Contains("Diagnosis", error.ToString(), StringComparison.Ordinal);
        }
    }

    private static async Task PostAsync(TestApp app, System.Text.Json.Nodes.JsonObject body)
    {
        var response = await app.Client.PostReportAsync(body, Ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    // The latest report (each test posts one at a time and waits for its commit); RFC 7469 reports carry no device id.
    internal static async Task<string> DiagnosisOfAsync(TestApp app, string device)
    {
        _ = device;
        await using var command = app.Db.CreateCommand("SELECT diagnosis FROM reports ORDER BY received_at DESC, id DESC LIMIT 1");
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<JsonDocument> DetailsAsync(TestApp app, string device)
    {
        _ = device;
        await using var command = app.Db.CreateCommand("SELECT id FROM reports ORDER BY received_at DESC, id DESC LIMIT 1");
        var id = (Guid)(await command.ExecuteScalarAsync(Ct))!;
        return JsonDocument.Parse(await app.Reader.GetStringAsync($"/v1/reports/{id}", Ct));
    }
}
