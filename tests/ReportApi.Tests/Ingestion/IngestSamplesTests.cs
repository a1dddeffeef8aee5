using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>The public samples and generated chains in every dialect, end to end: HTTP → parse → COPY → rows.</summary>
public sealed class IngestSamplesTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ios_docs_sample_is_stored_with_its_three_certificates_and_their_spki_pins()
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Client.PostReportAsync(ReportJson.Sample("trustkit-ios-docs-sample.json"), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE dialect = 'trustkit-ios' AND hostname = 'www.datatheorem.com' AND app_version = '1' AND validation_result = 1"));

        // The SPKI pins, computed here independently from the sample's DER.
        using var sample = JsonDocument.Parse(ReportJson.Sample("trustkit-ios-docs-sample.json"));
        var expected = sample.RootElement.GetProperty("validated-certificate-chain").EnumerateArray()
            .Select(pem => TestPki.SpkiPin(Convert.FromBase64String(string.Concat(pem.GetString()!.Split('\n')[1..^1]).Replace("\r", "", StringComparison.Ordinal))))
            .ToList();
        var stored = await StoredSpkisAsync(app, "validated_chain_fingerprint");
        Assert.Equal(expected, stored);
        Assert.Equal(3, stored.Count);
    }

    [Fact]
    public async Task Android_docs_sample_sent_chunked_is_stored_with_its_local_time_flagged()
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Client.PostChunkedAsync(File.ReadAllBytes(ReportJson.SamplePath("trustkit-android-docs-sample.json")), ct: Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE dialect = 'trustkit-android' AND client_time_quality = 'local-literal-z' AND date_time_raw = '2015-06-08T01:58:05Z' AND served_chain_fingerprint IS NOT NULL"));
    }

    [Fact]
    public async Task Rfc7469_sample_with_placeholder_pems_is_stored_with_each_certificate_rejected()
    {
        await using var app = await TestApp.StartAsync(postgres);

        var response = await app.Client.PostReportAsync(ReportJson.Sample("rfc7469-placeholder-pems.json"), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE dialect = 'rfc7469' AND port = 443 AND diagnosis = 'unknown'"));
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM certificate_chains c, jsonb_array_elements(c.certificates) e WHERE e->>'parseError' IS NOT NULL AND e->>'spkiSha256' IS NULL"));
    }

    [Fact]
    public async Task Same_chain_from_ios_and_android_is_stored_once_and_the_device_id_only_as_its_hmac()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "samechain");
        string[] pins = ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"", "pin-sha256=\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\""];
        const string vendorId = "8B1C58E4-2E9A-4C7B-9E0F-6A1D2C3B4A5F";

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, pins, vendorId), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(ReportJson.Android("api.bank.example", [.. pki.Chain], pins), Ct)).StatusCode);

        // iOS (CRLF) and Android (LF) PEMs of one chain share a fingerprint; Android's served chain is a second row.
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await app.CountAsync("SELECT count(DISTINCT validated_chain_fingerprint) FROM reports"));
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM certificate_chains"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM pin_sets"));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM certificate_chains WHERE leaf_spki_sha256 = '{TestPki.SpkiPin(pki.Leaf)}' AND certificate_count = 3"));

        var hmac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestApp.DeviceIdKey), Encoding.UTF8.GetBytes(vendorId));
        Assert.Equal(1, await app.CountAsync($"SELECT count(*) FROM reports WHERE device_hash = '\\x{Convert.ToHexStringLower(hmac)}'::bytea"));
        Assert.Equal(0, await app.CountAsync($"SELECT count(*) FROM reports WHERE raw::text ILIKE '%{vendorId}%' OR raw ? 'app-vendor-id' OR raw ? 'validated-certificate-chain'"));
    }

    [Fact]
    public async Task Unknown_keys_are_kept_in_the_raw_json()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var pki = LivePki.Create("api.bank.example", "unknownkeys");
        var body = ReportJson.Ios("api.bank.example", pki.Chain, ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""]);
        body["x-forked-client"] = "custom 1.2";
        body["port"] = "443";

        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(body, Ct)).StatusCode);

        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE raw->>'x-forked-client' = 'custom 1.2' AND port = 443"));
    }

    private static async Task<List<string>> StoredSpkisAsync(TestApp app, string chainColumn)
    {
        await using var command = app.Db.CreateCommand(
            $"SELECT e->>'spkiSha256' FROM reports r JOIN certificate_chains c ON c.fingerprint = r.{chainColumn}, jsonb_array_elements(c.certificates) e ORDER BY (e->>'position')::int");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var result = new List<string>();
        while (await reader.ReadAsync(Ct)) result.Add(reader.GetString(0));
        return result;
    }
}
