using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReportApi.Notifications;

/// <summary>camelCase JSON, nulls written (a receiver sees every field of the contract, set or not): every channel body and payload.</summary>
public static class NotificationJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
