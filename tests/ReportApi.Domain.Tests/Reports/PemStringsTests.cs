using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

/// <summary>Certificate texts are shared between reports (PemStrings) without ever changing what a report holds.</summary>
public sealed class PemStringsTests
{
    private static string Pem(int n) => $"-----BEGIN CERTIFICATE-----\nMII{n:D8}pemstrings{Guid.NewGuid():N}\n-----END CERTIFICATE-----";

    private static IReadOnlyList<string> ChainOf(string rawJsonArray) =>
        ParseSingle(Report(("validated-certificate-chain", rawJsonArray))).ValidatedChain;

    [Fact]
    public void TheSameCertificateInTwoReports_IsOneString()
    {
        var pem = Pem(1);

        var first = ChainOf($"[{Quote(pem)}]");
        var second = ChainOf($"[{Quote(pem)}]");

        Assert.Equal(pem, second[0]);
        Assert.Same(first[0], second[0]);
    }

    [Fact]
    public void DifferentEscapingsOfOneText_DecodeToTheSameText()
    {
        var pem = Pem(2);
        var escapedSlashes = Quote(pem).Replace("\\n", "\\u000a", StringComparison.Ordinal);

        var plain = ChainOf($"[{Quote(pem)}]");
        var escaped = ChainOf($"[{escapedSlashes}]");
        var again = ChainOf($"[{escapedSlashes}]");

        Assert.Equal(pem, plain[0]);
        Assert.Equal(pem, escaped[0]);
        Assert.Equal(pem, again[0]);
    }

    [Fact]
    public void DifferentCertificates_NeverShareAString()
    {
        var a = Pem(3);
        var b = Pem(4);

        var chain = ChainOf($"[{Quote(a)}, {Quote(b)}, {Quote(a)}]");

        Assert.Equal([a, b, a], chain);
    }

    [Fact]
    public void AFloodOfNeverSeenCertificates_KeepsEveryTextExact()
    {
        // Far more distinct texts than the two generations hold: each report still gets its own text back, and a text
        // seen again after the turnover is decoded again, equal to the first.
        var pems = Enumerable.Range(0, 3_000).Select(Pem).ToArray();
        foreach (var pem in pems) Assert.Equal(pem, ChainOf($"[{Quote(pem)}]")[0]);
        foreach (var pem in pems.Take(50)) Assert.Equal(pem, ChainOf($"[{Quote(pem)}]")[0]);
    }

    [Fact]
    public void AnOverlongToken_IsDecodedButNotShared()
    {
        var pem = "-----BEGIN CERTIFICATE-----\n" + new string('A', 20_000) + "\n-----END CERTIFICATE-----";

        var limits = new ReportLimits { MaxPemChars = 100_000 };
        var body = Report(("validated-certificate-chain", $"[{Quote(pem)}]"));

        var first = Parse(body, limits).Reports.Single().ValidatedChain;
        var second = Parse(body, limits).Reports.Single().ValidatedChain;

        Assert.Equal(pem, first[0]);
        Assert.Equal(pem, second[0]);
        Assert.NotSame(first[0], second[0]);
    }
}
