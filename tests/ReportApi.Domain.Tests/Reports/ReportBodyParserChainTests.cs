using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserChainTests
{
    [Fact]
    public void AbsentChains_AreEmptyValidatedAndNullServed()
    {
        var report = ParseSingle(Report());

        Assert.Empty(report.ValidatedChain);
        Assert.Null(report.ServedChain);
    }

    [Fact]
    public void NullChains_AreTreatedAsAbsent()
    {
        var report = ParseSingle(Report(("validated-certificate-chain", "null"), ("served-certificate-chain", "null")));

        Assert.Empty(report.ValidatedChain);
        Assert.Null(report.ServedChain);
    }

    [Fact]
    public void ChainElements_AreKeptExactlyAsSentIncludingEmptyAndGarbage()
    {
        var report = ParseSingle(Report(
            ("validated-certificate-chain", "[\"\", \"not a pem\", \"-----BEGIN CERTIFICATE-----\\n-----END CERTIFICATE-----\"]"),
            ("served-certificate-chain", "[]")));

        Assert.Equal(["", "not a pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"], report.ValidatedChain);
        Assert.Empty(report.ServedChain!);
    }

    [Theory]
    [InlineData("validated-certificate-chain")]
    [InlineData("served-certificate-chain")]
    public void ChainElementThatIsNotAString_IsAProblemAtItsIndex(string key)
    {
        var problems = ParseProblems(Report((key, "[\"pem\", null, 3]")));

        Assert.Equal([$"/{key}/1", $"/{key}/2"], problems.Select(p => p.Pointer));
        Assert.Equal("Each certificate must be a PEM string; found null.", problems[0].Message);
    }

    [Theory]
    [InlineData("\"pem\"", "a string")]
    [InlineData("{}", "an object")]
    public void ChainThatIsNotAnArray_IsAProblem(string value, string found)
    {
        var problem = ParseProblem(Report(("served-certificate-chain", value)));

        Assert.Equal("/served-certificate-chain", problem.Pointer);
        Assert.Equal($"\"served-certificate-chain\" must be an array of PEM strings; found {found}.", problem.Message);
    }

    [Fact]
    public void ChainOf21Certificates_IsAProblem()
    {
        var chain = "[" + string.Join(",", Enumerable.Repeat("\"pem\"", 21)) + "]";

        var problem = ParseProblem(Report(("validated-certificate-chain", chain)));

        Assert.Equal("/validated-certificate-chain", problem.Pointer);
        Assert.Equal("\"validated-certificate-chain\" has 21 certificates; at most 20 are accepted.", problem.Message);
    }

    [Fact]
    public void ChainOf20Certificates_IsAccepted()
    {
        var chain = "[" + string.Join(",", Enumerable.Repeat("\"pem\"", 20)) + "]";

        Assert.Equal(20, ParseSingle(Report(("validated-certificate-chain", chain))).ValidatedChain.Count);
    }

    [Fact]
    public void PemOverTheLimit_IsAProblemAtItsIndex()
    {
        var chain = $"[\"pem\", {Quote(new string('A', (16 * 1024) + 1))}]";

        var problem = ParseProblem(Report(("served-certificate-chain", chain)));

        Assert.Equal("/served-certificate-chain/1", problem.Pointer);
        Assert.Equal("A certificate is longer than 16384 characters.", problem.Message);
    }

    [Fact]
    public void PemAtTheLimit_IsAccepted()
    {
        var pem = new string('A', 16 * 1024);

        Assert.Equal([pem], ParseSingle(Report(("validated-certificate-chain", $"[{Quote(pem)}]"))).ValidatedChain);
    }
}
