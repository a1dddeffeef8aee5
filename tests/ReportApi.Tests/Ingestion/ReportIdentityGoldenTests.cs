using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// Golden vectors of the report identity hashes, computed independently (Python hashlib, the byte layouts spelled out
/// below) and pinned here before the hashes were unified: dedup keys, pin-set ids and chain fingerprints are stored, so
/// a refactor that changes a single bit would split duplicates from their originals and store every chain twice.
/// </summary>
public sealed class ReportIdentityGoldenTests
{
    // Chain cache key: per PEM, its UTF-16 length (int32 LE) and its UTF-16 code units; the first 16 digest bytes, LE.
    [Theory]
    [InlineData("58fc2121d49a9cefdd6c8021b9119bcb", new[] { "-----BEGIN CERTIFICATE-----\nleaf", "ca" })]
    [InlineData("ade3285d21eeb131483024090c2695fe", new[] { "café 🔐" })]
    [InlineData("24b96f99c8f4fb9a141cfc9842c4b0e3", new string[0])]
    public void Chain_key_is_unchanged(string expected, string[] pems) =>
        Assert.Equal(expected, ChainKey.Of(pems).Value.ToString("x32", System.Globalization.CultureInfo.InvariantCulture));

    // Pin-set fingerprint: per raw pin, its UTF-16 length (int32 LE) and its UTF-8 bytes.
    [Fact]
    public void Pin_set_fingerprint_and_columns_are_unchanged()
    {
        var sha = Convert.FromBase64String("d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=");
        var pinSet = PinSet.Of([
            new KnownPin("pin-sha1=\"AAAA\"", "pin-sha1", "AAAA", null),
            new KnownPin("pin-sha256=\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=\"", "pin-sha256", "d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=", sha),
        ]);

        Assert.Equal("58c0fed607b935480c9973e6b306ef511c61d324e8ecb3cd52732b515f894ef8", Convert.ToHexStringLower(pinSet.Fingerprint));
        Assert.Equal(["pin-sha1=\"AAAA\"", "pin-sha256=\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=\""], pinSet.Pins);
        Assert.Equal(["d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="], pinSet.Sha256Pins);
        Assert.Equal(1, pinSet.MalformedCount);
    }

    [Theory]
    [InlineData("c9f13bd31f320f37a19aadc85cf69bfc02d3d446e9f63f549ff1c50fd6238853", "pin-sha256=\"pïn\"")] // length in chars, bytes in UTF-8
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", null)]             // no pins: SHA-256 of nothing
    public void Pin_set_fingerprint_of_odd_pins_is_unchanged(string expected, string? raw) =>
        Assert.Equal(expected, Convert.ToHexStringLower(PinSet.Of(raw is null ? [] : [new KnownPin(raw, "pin-sha256", null, null)]).Fingerprint));

    // Dedup key: device hash (or nothing), hostname, noted hostname (UTF-8), pin-set fingerprint, validation result
    // (int32 LE, -1 when absent), chain fingerprint, raw date-time (UTF-8, "\0" when absent); each after its byte length (int32 LE).
    [Fact]
    public void Dedup_key_is_unchanged()
    {
        var device = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var report = Report("www.example.com", "example.com", 1, "2026-12-01T17:00:00Z");

        Assert.Equal("a8c96abb862f68a98b8b2613cb82dd53288de1b2a7e4c431b4fb4737dc811052",
            Convert.ToHexStringLower(DedupKey.Compute(report, device, Filled(0xAA), Filled(0x55))));
    }

    [Fact]
    public void Dedup_key_without_device_validation_result_or_date_is_unchanged()
    {
        var report = Report("bücher.example", "bücher.example", null, null);

        Assert.Equal("ab284fba2df0cd8398fb09d4a49f66e0e31fa3d69ef5b8b72822ecd8a22081bd",
            Convert.ToHexStringLower(DedupKey.Compute(report, null, Filled(0xAA), Filled(0x55))));
    }

    // Stored chain fingerprint: per element, its content's byte length (int32 BIG endian) and the content: the DER of a
    // parsable certificate, the UTF-8 text of anything else.
    [Fact]
    public void Chain_fingerprint_of_unparsable_elements_is_unchanged() =>
        Assert.Equal("14e08a62a3532fdf499571d9b31e3cb4b302037537b983b82d7d029799d75fac", ChainParser.Parse(
            ["garbage", "", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"]).FingerprintHex);

    [Fact]
    public void Chain_fingerprint_of_certificates_hashes_their_der_after_a_big_endian_length()
    {
        var certificate = LivePki.Create("golden.example", "golden").Leaf;
        var der = certificate.RawData;
        var expected = System.Security.Cryptography.SHA256.HashData([.. new byte[] { 0, 0, (byte)(der.Length >> 8), (byte)der.Length }, .. der]);

        Assert.Equal(Convert.ToHexStringLower(expected), ChainParser.Parse([certificate.ExportCertificatePem()]).FingerprintHex);
    }

    private static byte[] Filled(byte value) => Enumerable.Repeat(value, 32).ToArray();

    private static PinFailureReport Report(string hostname, string noted, int? validationResult, string? dateTime) => new()
    {
        Dialect = ReportDialect.TrustKitIos,
        Hostname = hostname,
        NotedHostname = noted,
        ValidationResult = validationResult,
        DateTimeRaw = dateTime,
        ClientTimeQuality = ClientTimeQuality.Missing,
        ValidatedChain = [],
        KnownPins = [],
        RawJson = "{}",
    };
}
