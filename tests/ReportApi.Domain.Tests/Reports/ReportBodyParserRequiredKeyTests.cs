using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserRequiredKeyTests
{
    [Fact]
    public void MissingHostname_IsAProblemAtHostname()
    {
        var problem = ParseProblem(Report(("hostname", null)));

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal("The required key \"hostname\" is missing.", problem.Message);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    [InlineData("\".\"")]
    public void EmptyHostname_IsAProblemAtHostname(string hostname)
    {
        var problem = ParseProblem(Report(("hostname", hostname)));

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal("\"hostname\" must be a non-empty string.", problem.Message);
    }

    [Theory]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("[\"a\"]", "an array")]
    public void HostnameOfAnotherType_IsAProblemAtHostname(string hostname, string found)
    {
        var problem = ParseProblem(Report(("hostname", hostname)));

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal($"\"hostname\" must be a non-empty string; found {found}.", problem.Message);
    }

    [Fact]
    public void HostnameOverTheLimit_IsAProblem()
    {
        var problem = ParseProblem(Report(("hostname", Quote(new string('a', 254)))));

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal("\"hostname\" is longer than 253 characters.", problem.Message);
    }

    [Fact]
    public void HostnameWithControlCharacters_IsAProblem()
    {
        var problem = ParseProblem(Report(("hostname", "\"evil.example\\nINFO forged log line\"")));

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal("\"hostname\" contains control characters.", problem.Message);
    }

    [Fact]
    public void Hostname_IsLowerCasedAndLosesATrailingDot()
    {
        var report = ParseSingle(Report(("hostname", "\"WWW.Example.COM.\""), ("noted-hostname", "\"Example.COM.\"")));

        Assert.Equal("www.example.com", report.Hostname);
        Assert.Equal("example.com", report.NotedHostname);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    [InlineData("\"\"")]
    public void MissingOrEmptyNotedHostname_FallsBackToTheHostname(string? noted)
    {
        var report = ParseSingle(Report(("hostname", "\"API.example.com\""), ("noted-hostname", noted)));

        Assert.Equal("api.example.com", report.NotedHostname);
    }

    [Fact]
    public void MissingKnownPins_IsAProblemAtKnownPins()
    {
        var problem = ParseProblem(Report(("known-pins", null)));

        Assert.Equal("/known-pins", problem.Pointer);
        Assert.Equal("The required key \"known-pins\" is missing.", problem.Message);
    }

    [Theory]
    [InlineData("\"pin-sha256=\\\"x\\\"\"", "a string")]
    [InlineData("null", "null")]
    [InlineData("{}", "an object")]
    public void KnownPinsNotAnArray_IsAProblemAtKnownPins(string pins, string found)
    {
        var problem = ParseProblem(Report(("known-pins", pins)));

        Assert.Equal("/known-pins", problem.Pointer);
        Assert.Equal($"\"known-pins\" must be an array of strings; found {found}.", problem.Message);
    }

    [Fact]
    public void KnownPinThatIsNotAString_IsAProblemAtItsIndex()
    {
        var problems = ParseProblems(Report(("known-pins", $"[{Quote(PinA)}, 5, null]")));

        Assert.Equal(["/known-pins/1", "/known-pins/2"], problems.Select(p => p.Pointer));
        Assert.Equal("Each known pin must be a string like pin-sha256=\"<base64>\"; found a number.", problems[0].Message);
    }

    [Fact]
    public void EmptyKnownPins_IsAcceptedAsNoPins()
    {
        Assert.Empty(ParseSingle(Report(("known-pins", "[]"))).KnownPins);
    }

    [Fact]
    public void SixtyFivePins_IsAProblemAtKnownPins()
    {
        var pins = "[" + string.Join(",", Enumerable.Repeat(Quote(PinA), 65)) + "]";

        var problem = ParseProblem(Report(("known-pins", pins)));

        Assert.Equal("/known-pins", problem.Pointer);
        Assert.Equal("\"known-pins\" has 65 entries; at most 64 are accepted.", problem.Message);
    }

    [Fact]
    public void SixtyFourPins_AreAccepted()
    {
        var pins = "[" + string.Join(",", Enumerable.Repeat(Quote(PinA), 64)) + "]";

        Assert.Equal(64, ParseSingle(Report(("known-pins", pins))).KnownPins.Count);
    }

    [Fact]
    public void PinOverTheLimit_IsAProblemAtItsIndex()
    {
        var longPin = Quote("pin-sha256=\"" + new string('A', 250) + "\"");

        var problem = ParseProblem(Report(("known-pins", $"[{Quote(PinA)}, {longPin}]")));

        Assert.Equal("/known-pins/1", problem.Pointer);
        Assert.Equal("A known pin is longer than 256 characters.", problem.Message);
    }

    [Fact]
    public void MissingBothRequiredKeys_ListsBothProblems()
    {
        var problems = ParseProblems("{\"port\": 443}");

        Assert.Equal(["/hostname", "/known-pins"], problems.Select(p => p.Pointer));
    }

    [Fact]
    public void KeysAreCaseSensitive()
    {
        var problem = ParseProblem(Report(("hostname", null), ("Hostname", "\"a.example\"")));

        Assert.Equal("/hostname", problem.Pointer);
    }
}
