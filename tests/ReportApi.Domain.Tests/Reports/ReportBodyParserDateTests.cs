using ReportApi.Domain.Reports;
using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserDateTests
{
    private const string Android = "\"ANDROID\"";

    [Theory]
    [InlineData("2015-06-08T01:58:05Z", 2015, 6, 8, 1, 58, 5, 0)]
    [InlineData("2014-04-06T13:00:50+01:00", 2014, 4, 6, 12, 0, 50, 0)]
    [InlineData("2014-04-06T13:00:50+0100", 2014, 4, 6, 12, 0, 50, 0)]
    [InlineData("2014-04-06T13:00:50.123Z", 2014, 4, 6, 13, 0, 50, 123)]
    [InlineData("2014-04-06T13:00:50.5-02:00", 2014, 4, 6, 15, 0, 50, 500)]
    public void RfcAndIosDateTimes_AreUtc(string sent, int y, int mo, int d, int h, int mi, int s, int ms)
    {
        var report = ParseSingle(Report(("date-time", Quote(sent))));

        Assert.Equal(ClientTimeQuality.Utc, report.ClientTimeQuality);
        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, ms, TimeSpan.Zero), report.ClientTime);
        Assert.Equal(TimeSpan.Zero, report.ClientTime!.Value.Offset);
        Assert.Equal(sent, report.DateTimeRaw);
    }

    [Fact]
    public void AndroidDateTime_IsLocalWithLiteralZButStillParsed()
    {
        var report = ParseSingle(Report(("app-platform", Android), ("date-time", "\"2017-01-05T14:23:45Z\"")));

        Assert.Equal(ClientTimeQuality.LocalWithLiteralZ, report.ClientTimeQuality);
        Assert.Equal(new DateTimeOffset(2017, 1, 5, 14, 23, 45, TimeSpan.Zero), report.ClientTime);
    }

    [Fact]
    public void AndroidDateTimeWithAnExplicitOffset_IsUtc()
    {
        var report = ParseSingle(Report(("app-platform", Android), ("date-time", "\"2017-01-05T14:23:45+02:00\"")));

        Assert.Equal(ClientTimeQuality.Utc, report.ClientTimeQuality);
        Assert.Equal(new DateTimeOffset(2017, 1, 5, 12, 23, 45, TimeSpan.Zero), report.ClientTime);
    }

    [Theory]
    [InlineData("\"2016-11-06T2\\u5348\\u524d2:52:28Z\"", "2016-11-06T2\u5348\u524d2:52:28Z")]
    [InlineData("\"2017-01-05THH:23:45Z\"", "2017-01-05THH:23:45Z")]
    [InlineData("\"\u0662\u0660\u0661\u0667-01-05T14:23:45Z\"", "\u0662\u0660\u0661\u0667-01-05T14:23:45Z")]
    [InlineData("\"yesterday\"", "yesterday")]
    [InlineData("\"\"", "")]
    public void UnparseableDateTime_IsKeptRawAndNeverRejected(string sent, string raw)
    {
        var report = ParseSingle(Report(("date-time", sent)));

        Assert.Equal(ClientTimeQuality.Unparseable, report.ClientTimeQuality);
        Assert.Null(report.ClientTime);
        Assert.Equal(raw, report.DateTimeRaw);
    }

    [Fact]
    public void AndroidApi17DateTime_IsUnparseableEvenForAndroid()
    {
        var report = ParseSingle(Report(("app-platform", Android), ("date-time", "\"2017-01-05THH:23:45Z\"")));

        Assert.Equal(ClientTimeQuality.Unparseable, report.ClientTimeQuality);
        Assert.Equal("2017-01-05THH:23:45Z", report.DateTimeRaw);
    }

    [Theory]
    [InlineData("1433728685", "1433728685")]
    [InlineData("true", "true")]
    [InlineData("{\"t\": 1}", "{\"t\": 1}")]
    public void NonStringDateTime_IsKeptAsItsJsonTextAndUnparseable(string sent, string raw)
    {
        var report = ParseSingle(Report(("date-time", sent)));

        Assert.Equal(ClientTimeQuality.Unparseable, report.ClientTimeQuality);
        Assert.Null(report.ClientTime);
        Assert.Equal(raw, report.DateTimeRaw);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public void MissingOrNullDateTime_IsMissing(string? sent)
    {
        var report = ParseSingle(Report(("app-platform", "\"IOS\""), ("date-time", sent)));

        Assert.Equal(ClientTimeQuality.Missing, report.ClientTimeQuality);
        Assert.Null(report.ClientTime);
        Assert.Null(report.DateTimeRaw);
    }

    [Fact]
    public void KnownPinsExpirationDate_ParsesAsADate()
    {
        Assert.Equal(new DateOnly(2027, 1, 31), ParseSingle(Report(("known-pins-expiration-date", "\"2027-01-31\""))).KnownPinsExpirationDate);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"2027-01-31T00:00:00Z\"")]
    [InlineData("\"31/01/2027\"")]
    [InlineData("\"2027-02-30\"")]
    [InlineData("20270131")]
    public void KnownPinsExpirationDate_NullOrUnparseable_IsNullAndKeptInRawJson(string sent)
    {
        var report = ParseSingle(Report(("known-pins-expiration-date", sent)));

        Assert.Null(report.KnownPinsExpirationDate);
        Assert.Contains("\"known-pins-expiration-date\":", report.RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveExpirationDate_ParsesAsUtcDateTime()
    {
        var report = ParseSingle(Report(("effective-expiration-date", "\"2014-05-01T14:40:50+02:00\"")));

        Assert.Equal(new DateTimeOffset(2014, 5, 1, 12, 40, 50, TimeSpan.Zero), report.EffectiveExpirationDate);
    }

    [Theory]
    [InlineData("\"2014-05-01\"")]
    [InlineData("\"soon\"")]
    [InlineData("null")]
    [InlineData("17")]
    public void EffectiveExpirationDate_UnparseableOrNotAString_IsNull(string sent)
    {
        Assert.Null(ParseSingle(Report(("effective-expiration-date", sent))).EffectiveExpirationDate);
    }
}
