using System.Text;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

/// <summary>Hostile or damaged bodies must come back as problems, never as exceptions (a 5xx never happens for bad input).</summary>
public sealed class ReportBodyParserRobustnessTests
{
    private static readonly string[] Keys =
    [
        "hostname", "known-pins", "port", "noted-hostname", "include-subdomains", "enforce-pinning", "validation-result",
        "app-bundle-id", "app-version", "app-vendor-id", "app-platform", "app-platform-version", "trustkit-version",
        "date-time", "known-pins-expiration-date", "effective-expiration-date", "validated-certificate-chain",
        "served-certificate-chain", "unknown",
    ];

    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-9223372036854775809", "\"\"", "\"x\"", "\" \"", "\"443\"",
        "\"true\"", "[]", "{}", "[null]", "[1]", "[\"x\"]", "[[]]", "{\"a\":{}}", "\"\\ud83d\\ude00\"",
    ];

    public static TheoryData<string> KeysData() => [.. Keys];

    [Theory]
    [MemberData(nameof(KeysData))]
    public void EveryKeyWithEveryJsonShape_ReturnsReportsOrProblemsWithoutThrowing(string key)
    {
        foreach (var value in Values)
        {
            AssertWellFormed(ReportBodyParser.Parse(Encoding.UTF8.GetBytes(Report((key, value))), ReportLimits.Default));
        }
    }

    [Fact]
    public void RandomMutationsOfTheIosSample_NeverThrow()
    {
        var sample = Sample("trustkit-ios-docs-sample.json");
        var random = new Random(7469);
        var outcomes = new int[2];

        for (var i = 0; i < 4000; i++)
        {
            var mutated = Mutate(sample, random);
            var result = ReportBodyParser.Parse(mutated, ReportLimits.Default);
            AssertWellFormed(result);
            outcomes[result.IsValid ? 0 : 1]++;
        }

        // Both outcomes must occur, or the mutations are not exercising the parser.
        Assert.True(outcomes[0] > 100, $"valid: {outcomes[0]}");
        Assert.True(outcomes[1] > 100, $"invalid: {outcomes[1]}");
    }

    [Fact]
    public void TinyLimits_TurnIntoProblemsNotExceptions()
    {
        var limits = new ReportLimits
        {
            MaxCertificatesPerChain = 1,
            MaxPemChars = 10,
            MaxKnownPins = 1,
            MaxPinChars = 5,
            MaxHostnameChars = 3,
            MaxStringChars = 2,
            MaxJsonDepth = 2,
            MaxUnknownKeys = 0,
        };

        var result = ReportBodyParser.Parse(Sample("trustkit-android-docs-sample.json"), limits);

        Assert.Empty(result.Reports);
        Assert.Contains(result.Problems, p => p.Pointer == "/validated-certificate-chain");
        Assert.Contains(result.Problems, p => p.Pointer == "/served-certificate-chain");
        Assert.Contains(result.Problems, p => p.Pointer == "/known-pins");
        Assert.Contains(result.Problems, p => p.Pointer == "/hostname");
        Assert.Contains(result.Problems, p => p.Pointer == "/app-bundle-id");
    }

    private static void AssertWellFormed(BodyParseResult result)
    {
        if (result.IsValid)
        {
            Assert.NotEmpty(result.Reports);
            Assert.All(result.Reports, r => Assert.False(string.IsNullOrEmpty(r.Hostname)));
        }
        else
        {
            Assert.Empty(result.Reports);
            Assert.All(result.Problems, p => Assert.False(string.IsNullOrEmpty(p.Message)));
        }
    }

    private static byte[] Mutate(byte[] sample, Random random)
    {
        var bytes = new List<byte>(sample);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 64), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Values[random.Next(Values.Length)]));
                    break;
                case 4:
                    // Overwrite one byte with a JSON-significant one.
                    var significant = "{}[],:\"\\0-e."u8;
                    bytes[at] = significant[random.Next(significant.Length)];
                    break;
                default:
                    // Replace a value-like byte with a digit: keeps the JSON valid more often than not.
                    if (bytes[at] is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'z')
                    {
                        bytes[at] = (byte)('0' + random.Next(10));
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
