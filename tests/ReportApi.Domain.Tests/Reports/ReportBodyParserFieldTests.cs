using static ReportApi.Domain.Tests.Reports.ReportBodies;

namespace ReportApi.Domain.Tests.Reports;

public sealed class ReportBodyParserFieldTests
{
    [Theory]
    [InlineData("443", 443)]
    [InlineData("0", 0)]
    [InlineData("65535", 65535)]
    [InlineData("\"443\"", 443)]
    [InlineData("\"80\"", 80)]
    [InlineData("-0", 0)]
    public void Port_AcceptsIntegersAndNumericStrings(string port, int expected)
    {
        Assert.Equal(expected, ParseSingle(Report(("port", port))).Port);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public void Port_AbsentOrNull_IsNull(string? port)
    {
        Assert.Null(ParseSingle(Report(("port", port))).Port);
    }

    [Theory]
    [InlineData("-1", "found -1")]
    [InlineData("65536", "found 65536")]
    [InlineData("443.5", "found 443.5")]
    [InlineData("1e3", "found 1e3")]
    [InlineData("\"-1\"", "found a string that is not such a number")]
    [InlineData("\"70000\"", "found a string that is not such a number")]
    [InlineData("\"https\"", "found a string that is not such a number")]
    [InlineData("true", "found true")]
    [InlineData("[443]", "found an array")]
    public void Port_OutOfRangeOrNotAnInteger_IsAProblemAtPort(string port, string found)
    {
        var problem = ParseProblem(Report(("port", port)));

        Assert.Equal("/port", problem.Pointer);
        Assert.Equal($"\"port\" must be an integer from 0 to 65535, as a number or a numeric string; {found}.", problem.Message);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", true)]
    [InlineData("\"false\"", false)]
    [InlineData("\"True\"", true)]
    [InlineData("\"False\"", false)]
    public void Booleans_AcceptJsonBooleansAndTheirStrings(string value, bool expected)
    {
        var report = ParseSingle(Report(("include-subdomains", value), ("enforce-pinning", value)));

        Assert.Equal(expected, report.IncludeSubdomains);
        Assert.Equal(expected, report.EnforcePinning);
    }

    [Theory]
    [InlineData("include-subdomains", "1", "a number")]
    [InlineData("include-subdomains", "\"yes\"", "a string")]
    [InlineData("enforce-pinning", "{}", "an object")]
    public void Booleans_OtherValues_AreAProblemAtTheKey(string key, string value, string found)
    {
        var problem = ParseProblem(Report((key, value)));

        Assert.Equal("/" + key, problem.Pointer);
        Assert.Equal($"\"{key}\" must be a boolean (or the string \"true\" or \"false\"); found {found}.", problem.Message);
    }

    [Fact]
    public void Booleans_Null_AreNull()
    {
        var report = ParseSingle(Report(("include-subdomains", "null"), ("enforce-pinning", "null")));

        Assert.Null(report.IncludeSubdomains);
        Assert.Null(report.EnforcePinning);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("\"2\"", 2)]
    [InlineData("9", 9)]
    [InlineData("-3", -3)]
    [InlineData("0", 0)]
    public void ValidationResult_KeepsIntegersAndNumericStringsAsSent(string value, int expected)
    {
        Assert.Equal(expected, ParseSingle(Report(("validation-result", value))).ValidationResult);
    }

    [Theory]
    [InlineData("1.5", "found 1.5")]
    [InlineData("\"one\"", "found a string that is not such a number")]
    [InlineData("false", "found false")]
    public void ValidationResult_NotAnInteger_IsAProblem(string value, string found)
    {
        var problem = ParseProblem(Report(("validation-result", value)));

        Assert.Equal("/validation-result", problem.Pointer);
        Assert.Equal($"\"validation-result\" must be an integer, as a number or a numeric string; {found}.", problem.Message);
    }

    [Theory]
    [InlineData("app-bundle-id")]
    [InlineData("app-version")]
    [InlineData("app-vendor-id")]
    [InlineData("app-platform")]
    [InlineData("app-platform-version")]
    [InlineData("trustkit-version")]
    [InlineData("noted-hostname")]
    public void StringKeys_OfAnotherType_AreAProblemAtTheKey(string key)
    {
        var problem = ParseProblem(Report((key, "12")));

        Assert.Equal("/" + key, problem.Pointer);
        Assert.Equal($"\"{key}\" must be a string or null; found a number.", problem.Message);
    }

    [Theory]
    [InlineData("app-bundle-id")]
    [InlineData("app-version")]
    [InlineData("app-vendor-id")]
    [InlineData("app-platform")]
    [InlineData("app-platform-version")]
    [InlineData("trustkit-version")]
    [InlineData("date-time")]
    [InlineData("known-pins-expiration-date")]
    [InlineData("effective-expiration-date")]
    public void StringKeys_OverMaxStringChars_AreAProblemAtTheKey(string key)
    {
        var problem = ParseProblem(Report((key, Quote(new string('x', 257)))));

        Assert.Equal("/" + key, problem.Pointer);
        Assert.Equal($"\"{key}\" is longer than 256 characters.", problem.Message);
    }

    [Fact]
    public void StringKeys_AtMaxStringChars_AreKept()
    {
        var atLimit = new string('x', 256);

        Assert.Equal(atLimit, ParseSingle(Report(("trustkit-version", Quote(atLimit)))).TrustKitVersion);
    }

    [Fact]
    public void NotedHostname_OverMaxHostnameChars_IsAProblem()
    {
        var problem = ParseProblem(Report(("noted-hostname", Quote(new string('a', 254)))));

        Assert.Equal("/noted-hostname", problem.Pointer);
        Assert.Equal("\"noted-hostname\" is longer than 253 characters.", problem.Message);
    }

    [Theory]
    [InlineData("\"\"", null)]
    [InlineData("\"N/A\"", null)]
    [InlineData("\"2.4\"", "2.4")]
    public void AppVersion_SentinelsAreNull(string value, string? expected)
    {
        Assert.Equal(expected, ParseSingle(Report(("app-version", value))).AppVersion);
    }

    [Theory]
    [InlineData("\"N/A\"", null)]
    [InlineData("\"com.example.app\"", "com.example.app")]
    public void AppBundleId_NotApplicableIsNull(string value, string? expected)
    {
        Assert.Equal(expected, ParseSingle(Report(("app-bundle-id", value))).AppBundleId);
    }

    [Theory]
    [InlineData("\"unit-tests\"", null)]
    [InlineData("\"\"", null)]
    [InlineData("\"599F9C00-92DC-4B5C-9464-7971F01F8370\"", "599F9C00-92DC-4B5C-9464-7971F01F8370")]
    public void AppVendorId_TestSentinelIsNull(string value, string? expected)
    {
        Assert.Equal(expected, ParseSingle(Report(("app-vendor-id", value))).AppVendorId);
    }

    [Fact]
    public void SentinelsStayVisibleInRawJson()
    {
        var report = ParseSingle(Report(("app-version", "\"N/A\""), ("app-bundle-id", "\"N/A\"")));

        Assert.Contains("\"app-version\":\"N/A\"", report.RawJson, StringComparison.Ordinal);
        Assert.Contains("\"app-bundle-id\":\"N/A\"", report.RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKnownKey_IsAProblemAtTheKey()
    {
        var body = "{\"hostname\":\"a.example\",\"known-pins\":[],\"hostname\":\"b.example\"}";

        var problem = ParseProblem(body);

        Assert.Equal("/hostname", problem.Pointer);
        Assert.Equal("The key \"hostname\" appears more than once; each key may appear only once.", problem.Message);
    }

    [Fact]
    public void DuplicateUnknownKey_IsAProblemAtTheEscapedKey()
    {
        var problem = ParseProblem(Report(("x/y~z", "1")).TrimEnd('}') + ",\"x/y~z\":2}");

        Assert.Equal("/x~1y~0z", problem.Pointer);
    }

    [Fact]
    public void DuplicateKeyInASecondArrayElement_HasTheIndexedPointer()
    {
        var problem = ParseProblem($"[{Report()},{{\"hostname\":\"a\",\"known-pins\":[],\"known-pins\":[]}}]");

        Assert.Equal("/1/known-pins", problem.Pointer);
    }

    [Fact]
    public void UnknownKeys_AreKeptInRawJsonWithTheirValues()
    {
        var report = ParseSingle(Report(("app-build", "\"421\""), ("custom", "{\"a\":[1,true,null]}")));

        Assert.Contains("\"app-build\":\"421\"", report.RawJson, StringComparison.Ordinal);
        Assert.Contains("\"custom\":{\"a\":[1,true,null]}", report.RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKeys_OverTheCap_AreOneProblemAtTheObject()
    {
        var extra = Enumerable.Range(0, 65).Select(i => ($"k{i}", (string?)"1")).ToArray();

        var problem = ParseProblem(Report(extra));

        Assert.Equal("", problem.Pointer);
        Assert.Equal("The report has 65 unrecognised keys; at most 64 are accepted.", problem.Message);
    }

    [Fact]
    public void UnknownKeys_AtTheCap_AreAccepted()
    {
        var extra = Enumerable.Range(0, 64).Select(i => ($"k{i}", (string?)"1")).ToArray();

        Assert.Contains("\"k63\":1", ParseSingle(Report(extra)).RawJson, StringComparison.Ordinal);
    }

    [Fact]
    public void RawJson_LeavesOutVendorIdAndBothChainsAndRewritesOtherKeysInOrderWithMinimalEscaping()
    {
        var body = Report(
            ("app-vendor-id", "\"599F9C00-92DC-4B5C-9464-7971F01F8370\""),
            ("validated-certificate-chain", "[\"pem\"]"),
            ("served-certificate-chain", "[\"pem\"]"),
            ("app-version", "\"1.0 <\\/b> caf\\u00e9 a+b\""));

        var report = ParseSingle(body);

        Assert.Equal(
            "{\"hostname\":\"www.example.com\",\"known-pins\":[\"pin-sha256=\\\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=\\\"\","
                + "\"pin-sha256=\\\"E9CZ9INDbd+2eRQozYqqbQ2yXLVKB9+xcprMF+44U1g=\\\"\"],\"app-version\":\"1.0 </b> café a+b\"}",
            report.RawJson);
    }

    [Fact]
    public void RawJson_CopiesPlainValuesAsSentAndCompactsContainersWithWhitespace()
    {
        var body = Report(
            ("app-vendor-id", "\"599F9C00-92DC-4B5C-9464-7971F01F8370\""),
            ("note", "\"a plain value, kept byte for byte: +<>&'\""),
            ("spaced", "{ \"a\" : [1, true, null], \"b\" : \"x y\" }"),
            ("n", "12.50e3"));

        var report = ParseSingle(body);

        Assert.Contains("\"note\":\"a plain value, kept byte for byte: +<>&'\"", report.RawJson, StringComparison.Ordinal);
        Assert.Contains("\"spaced\":{\"a\":[1,true,null],\"b\":\"x y\"}", report.RawJson, StringComparison.Ordinal);
        Assert.Contains("\"n\":12.50e3", report.RawJson, StringComparison.Ordinal);
        Assert.DoesNotContain("599F9C00", report.RawJson, StringComparison.Ordinal);
        using var parsed = System.Text.Json.JsonDocument.Parse(report.RawJson);
        Assert.Equal(5, parsed.RootElement.EnumerateObject().Count());
    }
}
