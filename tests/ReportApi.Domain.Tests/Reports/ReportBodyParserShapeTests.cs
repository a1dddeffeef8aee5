using System.Text;
using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserShapeTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t")]
    public void EmptyBody_IsOneProblemAtTheRoot(string body)
    {
        var problem = ParseProblem(body);

        Assert.Equal("", problem.Pointer);
        Assert.Contains("empty", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJson_IsOneProblemAtTheRootWithThePosition()
    {
        var problem = ParseProblem("{\"hostname\": \"a\",\n \"known-pins\": [}");

        Assert.Equal("", problem.Pointer);
        Assert.StartsWith("The body is not valid JSON", problem.Message, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 1", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingContentAfterTheReport_IsAProblem()
    {
        var problem = ParseProblem(Report() + " {}");

        Assert.Equal("", problem.Pointer);
        Assert.Contains("not valid JSON", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_IsAProblemNamingTheOffset()
    {
        byte[] body = [.. "{\"hostname\":\"a"u8, 0xFF, 0xFE, .. "\",\"known-pins\":[]}"u8];

        var result = ReportBodyParser.Parse(body, ReportLimits.Default);

        var problem = Assert.Single(result.Problems);
        Assert.Empty(result.Reports);
        Assert.Equal("", problem.Pointer);
        Assert.Equal("The body is not valid UTF-8 (first invalid byte at offset 14).", problem.Message);
    }

    [Fact]
    public void Utf8ByteOrderMark_IsSkipped()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Report())];

        var result = ReportBodyParser.Parse(body, ReportLimits.Default);

        Assert.Equal("www.example.com", Assert.Single(result.Reports).Hostname);
    }

    [Fact]
    public void NestingDeeperThanMaxJsonDepth_IsAProblem()
    {
        var deep = new string('[', 17) + new string(']', 17);

        var problem = ParseProblem(Report(("extra", deep)));

        Assert.Equal("", problem.Pointer);
        Assert.Contains("maximum configured depth of 16", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingWithinMaxJsonDepth_IsKeptInRawJson()
    {
        var nested = new string('[', 14) + "1" + new string(']', 14);

        var report = ParseSingle(Report(("extra", nested)));

        Assert.Contains(nested, report.RawJson, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"hostname\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("true", "true")]
    public void TopLevelScalar_IsAProblemSayingWhatWasFound(string body, string found)
    {
        var problem = ParseProblem(body);

        Assert.Equal("", problem.Pointer);
        Assert.Equal($"The body is {found}; expected a pin-validation report object or an array of up to 100 of them.", problem.Message);
    }

    [Theory]
    [InlineData("{\"csp-report\":{\"document-uri\":\"https://example.com/\",\"violated-directive\":\"script-src\"}}", "CSP violation report")]
    [InlineData("{\"expect-ct-report\":{\"hostname\":\"example.com\",\"port\":443}}", "Expect-CT report")]
    [InlineData("{\"expect-staple-report\":{\"hostname\":\"example.com\"}}", "Expect-Staple report")]
    public void WrappedBrowserReport_IsOneProblemNamingTheFamily(string body, string family)
    {
        var problem = ParseProblem(body);

        Assert.Equal("", problem.Pointer);
        Assert.Contains($"This looks like a{(family[0] == 'E' ? "n" : "")} {family}", problem.Message, StringComparison.Ordinal);
        Assert.Contains("PinReports accepts pin-validation reports", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportingApiArray_IsAProblemPerEnvelopeNamingTheType()
    {
        var problems = ParseProblems(
            "[{\"type\":\"csp-violation\",\"age\":1,\"url\":\"https://a/\",\"body\":{}},{\"type\":\"deprecation\",\"body\":{}}]");

        Assert.Equal(["/0", "/1"], problems.Select(p => p.Pointer));
        Assert.StartsWith("This looks like a Reporting API report (type \"csp-violation\")", problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("This looks like a Reporting API report (type \"deprecation\")", problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArrayOfValidReports_ReturnsEveryReportInOrder()
    {
        var body = $"[{Report(("hostname", "\"a.example\""))},{Report(("hostname", "\"b.example\""))},{Report(("hostname", "\"c.example\""))}]";

        var result = Parse(body);

        Assert.Empty(result.Problems);
        Assert.Equal(["a.example", "b.example", "c.example"], result.Reports.Select(r => r.Hostname));
    }

    [Fact]
    public void ArrayWithOneBadElement_ReturnsNoReportsAndPrefixesPointersWithTheIndex()
    {
        var body = $"[{Report()},{Report()},{Report(("port", "\"https\""), ("known-pins", "[\"ok\", 7]"))}]";

        var result = Parse(body);

        Assert.Empty(result.Reports);
        Assert.Equal(["/2/known-pins/1", "/2/port"], result.Problems.Select(p => p.Pointer).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ArrayElementThatIsNotAnObject_IsAProblemAtItsIndex()
    {
        var problem = ParseProblem($"[{Report()},\"x\"]");

        Assert.Equal("/1", problem.Pointer);
        Assert.Equal("Each element must be a report object; found a string.", problem.Message);
    }

    [Fact]
    public void EmptyArray_IsAProblem()
    {
        var problem = ParseProblem("[]");

        Assert.Equal("", problem.Pointer);
        Assert.Equal("The body is an empty array; send at least one report.", problem.Message);
    }

    [Fact]
    public void ArrayOf100Reports_IsAccepted()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat(Report(), 100)) + "]";

        Assert.Equal(100, Parse(body).Reports.Count);
    }

    [Fact]
    public void ArrayOf101Reports_IsOneProblemAtTheRoot()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat(Report(), 101)) + "]";

        var problem = ParseProblem(body);

        Assert.Equal("", problem.Pointer);
        Assert.Equal("The body holds 101 reports; at most 100 are accepted per request.", problem.Message);
    }

    [Fact]
    public void ProblemsOfEveryReport_AreListedButCappedAt100()
    {
        var broken = Report(("hostname", "1"), ("port", "true"));
        var body = "[" + string.Join(",", Enumerable.Repeat(broken, 60)) + "]";

        var problems = ParseProblems(body);

        Assert.Equal(101, problems.Count);
        Assert.Equal("/49/port", problems[99].Pointer);
        Assert.Equal(new ReportProblem("", "20 further problems were not listed."), problems[100]);
    }

    [Theory]
    [InlineData("\\u0000", "an escaped NUL character (\\u0000)")]
    [InlineData("\\ud800", "an unpaired surrogate escape")]
    [InlineData("\\udc00x", "an unpaired surrogate escape")]
    public void UnstorableEscapes_AreAProblem(string escape, string reason)
    {
        var body = Report(("app-version", "\"1" + escape + "\""));

        var problem = ParseProblem(body);

        Assert.Equal("", problem.Pointer);
        Assert.StartsWith($"The body contains {reason} at byte offset {body.IndexOf(escape, StringComparison.Ordinal)}", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SurrogatePairEscapeAndEscapedBackslash_AreAccepted()
    {
        var report = ParseSingle(Report(("app-version", "\"\\ud83d\\ude00 \\\\u0000\"")));

        Assert.Equal("\U0001F600 \\u0000", report.AppVersion);
    }
}
