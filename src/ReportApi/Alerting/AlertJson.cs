using System.Text.Json;
using System.Text.Json.Serialization;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Alerting;

/// <summary>
/// JSON for what alerting stores: the domain <see cref="AlertState"/> (the state machine's memory, in <c>alerts.state</c>)
/// and the context columns. A series key is stored in its string form because that is what PagerDuty and the API see.
/// </summary>
internal static class AlertJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static AlertState State(string json) =>
        JsonSerializer.Deserialize<AlertState>(json, Options) ?? throw new JsonException("alerts.state is null.");

    public static T? Read<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>The diagnosis mix by wire code (<c>{"server-rotation": 40}</c>), most devices first.</summary>
    public static Dictionary<string, int>? Mix(IReadOnlyDictionary<DiagnosisCode, int>? mix) =>
        mix is { Count: > 0 }
            ? mix.Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key).ToDictionary(e => e.Key.ToWire(), e => e.Value)
            : null;

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new SeriesKeyConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        return options;
    }

    private sealed class SeriesKeyConverter : JsonConverter<SeriesKey>
    {
        public override SeriesKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            SeriesKey.TryParse(reader.GetString(), out var key) ? key : throw new JsonException("Not a series key.");

        public override void Write(Utf8JsonWriter writer, SeriesKey value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
