using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>
/// Hostile and broken bodies through the real endpoint: whatever arrives, the answer is 204, 400 or 413 — never a 5xx,
/// never a hang — and the service keeps working. Case counts are written to the test output.
/// </summary>
public sealed class IngestFuzzTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly HashSet<HttpStatusCode> Allowed = [HttpStatusCode.NoContent, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge];

    private static readonly string[] Keys =
    [
        "app-bundle-id", "app-version", "app-vendor-id", "app-platform", "app-platform-version", "trustkit-version", "date-time",
        "hostname", "port", "noted-hostname", "include-subdomains", "enforce-pinning", "validated-certificate-chain",
        "served-certificate-chain", "known-pins", "validation-result", "known-pins-expiration-date", "effective-expiration-date",
    ];

    [Fact]
    public async Task Property_based_reports_with_any_value_types_never_get_a_5xx()
    {
        await using var app = await StartAsync();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();

        // Each known key is absent (0-1), valid (2-8) or any JSON value (9: type swaps, huge numbers, nesting, long strings),
        // so a good share of cases pass validation and reach the analysis and the database with odd values.
        var value = JsonValue(depth: 3);
        var report = Gen.Select(Gen.Int[0, 9].Array[Keys.Length], value.Array[Keys.Length], (choice, values) =>
        {
            var members = new List<string>();
            for (var i = 0; i < Keys.Length; i++)
            {
                if (choice[i] <= 1) continue;
                members.Add($"{JsonSerializer.Serialize(Keys[i])}:{(choice[i] < 9 ? ValidValue(Keys[i]) : values[i])}");
            }
            return "{" + string.Join(",", members) + "}";
        });

        report.Sample(body =>
        {
            var status = PostAsync(app, Encoding.UTF8.GetBytes(body)).GetAwaiter().GetResult();
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            Assert.Contains(status, Allowed);
        }, iter: 600, threads: 4, seed: "0N0XIzNsQ0O2");

        await AssertStillHealthyAsync(app);
        TestContext.Current.TestOutputHelper?.WriteLine($"property cases: {statuses.Values.Sum()} ({string.Join(", ", statuses.Select(s => $"{(int)s.Key}={s.Value}"))})");
        Assert.Equal(600, statuses.Values.Sum());
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.NoContent) > 20, "enough cases must pass validation to exercise storage");
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.BadRequest) > 20, "enough cases must be rejected to exercise validation");
    }

    [Fact]
    public async Task Mutated_real_reports_never_get_a_5xx()
    {
        await using var app = await StartAsync();
        var corpus = MutationCorpus().ToList();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();

        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (body, _) =>
        {
            var status = await PostAsync(app, body);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            Assert.True(Allowed.Contains(status), $"got {(int)status} for a body starting {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(120, body.Length)))}");
        });

        await AssertStillHealthyAsync(app);
        TestContext.Current.TestOutputHelper?.WriteLine($"mutation cases: {corpus.Count} ({string.Join(", ", statuses.Select(s => $"{(int)s.Key}={s.Value}"))})");
        Assert.True(corpus.Count > 1500);
    }

    /// <summary>Truncations, byte flips, invalid UTF-8, duplicate keys, deep nesting, huge arrays and numbers, garbage PEMs.</summary>
    private static IEnumerable<byte[]> MutationCorpus()
    {
        var random = new Random(20261127);
        var samples = new[] { "trustkit-ios-docs-sample.json", "trustkit-android-docs-sample.json", "rfc7469-placeholder-pems.json" }
            .Select(name => File.ReadAllBytes(ReportJson.SamplePath(name))).ToArray();
        foreach (var sample in samples)
        {
            for (var i = 0; i < 250; i++) yield return sample[..random.Next(sample.Length)];
            for (var i = 0; i < 250; i++)
            {
                var flipped = (byte[])sample.Clone();
                for (var f = 0; f < 1 + random.Next(8); f++) flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                yield return flipped;
            }
            for (var i = 0; i < 50; i++)
            {
                var at = random.Next(sample.Length);
                yield return [.. sample[..at], 0xC3, 0x28, 0xF0, 0x9F, .. sample[at..]];
            }
            var text = Encoding.UTF8.GetString(sample);
            yield return Encoding.UTF8.GetBytes(text.Replace("\"hostname\"", "\"hostname\": \"evil.example\", \"hostname\"", StringComparison.Ordinal));
            yield return Encoding.UTF8.GetBytes(text.Replace("\"port\": 443", "\"port\": 1e400", StringComparison.Ordinal));
            yield return Encoding.UTF8.GetBytes(text.Replace("\"port\": 443", "\"port\": 99999999999999999999999999", StringComparison.Ordinal));
            yield return Encoding.UTF8.GetBytes(text.Replace("\"port\": 443", "\"port\": -1", StringComparison.Ordinal));
            yield return Encoding.UTF8.GetBytes(text.Replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\\n%%%garbage%%%", StringComparison.Ordinal));
            yield return Encoding.UTF8.GetBytes(text.Replace("MII", "\\u0000MII", StringComparison.Ordinal));
        }
        foreach (var depth in new[] { 17, 64, 1000, 100_000 })
        {
            yield return Encoding.UTF8.GetBytes("{\"hostname\":\"a.example\",\"known-pins\":[],\"x\":" + new string('[', depth) + new string(']', depth) + "}");
        }
        var pins = string.Join(",", Enumerable.Repeat("\"pin-sha256=\\\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\\"\"", 10_000));
        yield return Encoding.UTF8.GetBytes($"{{\"hostname\":\"a.example\",\"known-pins\":[{pins}]}}");
        var chain = string.Join(",", Enumerable.Repeat("\"x\"", 10_000));
        yield return Encoding.UTF8.GetBytes($"{{\"hostname\":\"a.example\",\"known-pins\":[],\"validated-certificate-chain\":[{chain}]}}");
        yield return Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("{\"hostname\":\"a.example\",\"known-pins\":[]}", 10_000)) + "]");
        yield return Encoding.UTF8.GetBytes("{\"hostname\":\"" + new string('a', 100_000) + "\",\"known-pins\":[]}");
        yield return [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'];
        yield return [0xFF, 0xFE, 0x00, 0x7B];
    }

    private static Gen<string> JsonValue(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Const("null"), Gen.Const("true"), Gen.Const("false"), Gen.Const("\"\""), Gen.Const("\"N/A\""),
            Gen.Long.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double[-1e300, 1e300].Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Const("1e400"), Gen.Const("-0.0"), Gen.Const("123456789012345678901234567890"),
            Gen.String.Select(s => JsonSerializer.Serialize(s)),
            Gen.Char.Array[0, 300].Select(c => JsonSerializer.Serialize(new string(c))));
        if (depth == 0) return scalar;
        var inner = JsonValue(depth - 1);
        return Gen.Frequency(
            (6, scalar),
            (1, inner.Array[0, 5].Select(items => "[" + string.Join(",", items) + "]")),
            (1, inner.Array[0, 4].Select(items => "{" + string.Join(",", items.Select((v, i) => $"\"k{i}\":{v}")) + "}")));
    }

    private static string ValidValue(string key) => key switch
    {
        "hostname" or "noted-hostname" => "\"api.bank.example\"",
        "port" or "validation-result" => "1",
        "include-subdomains" or "enforce-pinning" => "true",
        "known-pins" => "[\"pin-sha256=\\\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\\"\"]",
        "validated-certificate-chain" or "served-certificate-chain" => "[]",
        "known-pins-expiration-date" => "\"2027-01-31\"",
        "date-time" or "effective-expiration-date" => "\"2026-11-27T10:00:00Z\"",
        _ => "\"x\"",
    };

    private Task<TestApp> StartAsync() => TestApp.StartAsync(
        // The fuzzer is one client sending thousands of bodies; the per-client limit would answer 429 instead of parsing.
        postgres, new Dictionary<string, string?> { ["RateLimit:PerClientRequestsPerSecond"] = "0" });

    private static async Task<HttpStatusCode> PostAsync(TestApp app, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        try
        {
            return (await app.Client.PostAsync("/v1/reports", content, Ct)).StatusCode;
        }
        catch (HttpRequestException) when (body.Length > 262_144)
        {
            // Kestrel may cut an oversized upload short after answering 413; for any other body a reset is a failure.
            return HttpStatusCode.RequestEntityTooLarge;
        }
    }

    private static async Task AssertStillHealthyAsync(TestApp app)
    {
        var pki = LivePki.Create("api.bank.example", "fuzz");
        var ok = await app.Client.PostReportAsync(ReportJson.Ios("api.bank.example", pki.Chain, ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""], vendorId: "after-fuzz"), Ct);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
    }
}
