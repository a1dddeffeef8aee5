using System.Text.Json.Serialization;

namespace ReportApi.Hosting;

/// <summary>
/// One entry of a 400's <c>errors</c>: the parameter at fault (a query or path parameter by the name the API reads, or a
/// JSON pointer into the body, e.g. <c>/3/day</c>) and what is wrong with it. <see cref="Pointer"/> repeats a body
/// pointer under the name ingest clients have always read (README: "errors lists each problem with a JSON pointer").
/// </summary>
public sealed record ParameterError(
    [property: JsonPropertyName("parameter")] string Parameter,
    [property: JsonPropertyName("detail")] string Detail)
{
    [JsonPropertyName("pointer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Pointer { get; init; }
}
