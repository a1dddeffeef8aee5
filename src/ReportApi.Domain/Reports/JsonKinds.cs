using System.Text.Json;

namespace ReportApi.Domain.Reports;

/// <summary>Wording for problem messages; values are described by kind so hostile content is never echoed.</summary>
internal static class JsonKinds
{
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
