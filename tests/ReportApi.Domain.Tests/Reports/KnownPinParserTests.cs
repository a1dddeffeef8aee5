using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class KnownPinParserTests
{
    private const string ValidBase64 = "d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=";

    [Fact]
    public void TrustKitPin_DecodesTo32Bytes()
    {
        var pin = KnownPinParser.Parse(PinA);

        Assert.Equal(PinA, pin.Raw);
        Assert.Equal("pin-sha256", pin.Directive);
        Assert.Equal(ValidBase64, pin.Value);
        Assert.Equal(Convert.FromBase64String(ValidBase64), pin.Sha256);
        Assert.True(pin.IsValidSha256);
    }

    [Theory]
    [InlineData("pin-sha256 = \"" + ValidBase64 + "\"", "pin-sha256")]
    [InlineData("  PIN-SHA256=\"" + ValidBase64 + "\"\t", "PIN-SHA256")]
    public void WhitespaceAndDirectiveCase_AreAccepted(string raw, string directive)
    {
        var pin = KnownPinParser.Parse(raw);

        Assert.Equal(raw, pin.Raw);
        Assert.Equal(directive, pin.Directive);
        Assert.Equal(ValidBase64, pin.Value);
        Assert.True(pin.IsValidSha256);
    }

    [Theory]
    [InlineData("pin-sha256=\"short\"", "pin-sha256", "short")]
    [InlineData("pin-sha256=\"\"", "pin-sha256", "")]
    [InlineData("pin-sha256=\"" + ValidBase64 + "AAAA\"", "pin-sha256", ValidBase64 + "AAAA")]
    [InlineData("pin-sha256=\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWm\"", "pin-sha256", "d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWm")]
    [InlineData("sha1=\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"", "sha1", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pin-sha1=\"" + ValidBase64 + "\"", "pin-sha1", ValidBase64)]
    public void WellFormedButNotASha256Pin_KeepsDirectiveAndValueWithoutHash(string raw, string directive, string value)
    {
        var pin = KnownPinParser.Parse(raw);

        Assert.Equal(raw, pin.Raw);
        Assert.Equal(directive, pin.Directive);
        Assert.Equal(value, pin.Value);
        Assert.Null(pin.Sha256);
        Assert.False(pin.IsValidSha256);
    }

    [Theory]
    [InlineData("pin-sha256=" + ValidBase64)]
    [InlineData(ValidBase64)]
    [InlineData("")]
    [InlineData("=\"" + ValidBase64 + "\"")]
    [InlineData("pin_sha256=\"" + ValidBase64 + "\"")]
    [InlineData("pin-sha256=\"" + ValidBase64)]
    [InlineData("pin-sha256=\"" + ValidBase64 + "\" trailing")]
    [InlineData("pin-sha256=\"" + ValidBase64 + "\"\"")]
    public void SyntaxThatDoesNotMatch_IsKeptRawWithNothingParsed(string raw)
    {
        var pin = KnownPinParser.Parse(raw);

        Assert.Equal(new KnownPin(raw, null, null, null), pin);
    }

    [Fact]
    public void MalformedPinsInAReport_AreKeptSortedAndNeverRejected()
    {
        var pins = $"[{Quote("sha1=\"AAAA\"")},{Quote("pin-sha256=\"short\"")},{Quote("pin-sha256=nonquoted")},{Quote(PinA)}]";

        var report = ParseSingle(Report(("known-pins", pins)));

        Assert.Equal([PinA, "pin-sha256=\"short\"", "pin-sha256=nonquoted", "sha1=\"AAAA\""], report.KnownPins.Select(p => p.Raw));
        Assert.Equal([true, false, false, false], report.KnownPins.Select(p => p.IsValidSha256));
        Assert.Null(report.KnownPins[2].Directive);
        Assert.Equal("sha1", report.KnownPins[3].Directive);
    }
}
