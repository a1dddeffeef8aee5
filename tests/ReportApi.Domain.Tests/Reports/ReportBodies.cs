using System.Text;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Tests.Reports;

/// <summary>Builds request bodies and runs them through the parser with the default limits.</summary>
internal static class ReportBodies
{
    public const string PinA = "pin-sha256=\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=\"";
    public const string PinB = "pin-sha256=\"E9CZ9INDbd+2eRQozYqqbQ2yXLVKB9+xcprMF+44U1g=\"";

    /// <summary>
    /// A minimal valid RFC 7469 report (hostname and two pins) with keys replaced or added; a null raw value removes
    /// the key. Values are raw JSON text.
    /// </summary>
    public static string Report(params (string Key, string? RawValue)[] changes)
    {
        var entries = new List<(string Key, string RawValue)>
        {
            ("hostname", "\"www.example.com\""),
            ("known-pins", $"[{Quote(PinA)}, {Quote(PinB)}]"),
        };

        foreach (var (key, raw) in changes)
        {
            var existing = entries.FindIndex(e => e.Key == key);
            if (existing >= 0)
            {
                entries.RemoveAt(existing);
            }

            if (raw is not null)
            {
                entries.Add((key, raw));
            }
        }

        return "{" + string.Join(",", entries.Select(e => $"{Quote(e.Key)}:{e.RawValue}")) + "}";
    }

    /// <summary>A JSON string literal for <paramref name="text"/>.</summary>
    public static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    public static BodyParseResult Parse(string json, ReportLimits? limits = null) =>
        ReportBodyParser.Parse(Encoding.UTF8.GetBytes(json), limits ?? ReportLimits.Default);

    public static PinFailureReport ParseSingle(string json)
    {
        var result = Parse(json);
        Assert.Empty(result.Problems);
        return Assert.Single(result.Reports);
    }

    public static IReadOnlyList<ReportProblem> ParseProblems(string json, ReportLimits? limits = null)
    {
        var result = Parse(json, limits);
        Assert.False(result.IsValid);
        Assert.Empty(result.Reports);
        return result.Problems;
    }

    /// <summary>The single problem of an invalid body.</summary>
    public static ReportProblem ParseProblem(string json, ReportLimits? limits = null) =>
        Assert.Single(ParseProblems(json, limits));

    public static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", name));
}
