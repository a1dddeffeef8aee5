using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReportApi.Notifications;

/// <summary>camelCase JSON, nulls written (a receiver sees every field of the contract, set or not).</summary>
internal static class NotificationJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static AlertNotification Read(string json) =>
        JsonSerializer.Deserialize<AlertNotification>(json, Options) ?? throw new JsonException("An outbox payload is null.");
}
