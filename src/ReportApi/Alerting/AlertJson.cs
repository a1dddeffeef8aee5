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

/// <summary>The failing chain as stored and shown: the certificate the diagnosis is about.</summary>
public sealed record ChainInfo(string Role, string Subject, string Issuer, string SpkiSha256, int Devices);

/// <summary>One app version's failing devices in the window, with its share of active devices where known.</summary>
public sealed record VersionInfo(string App, string Version, int Devices, int? ActiveDevices, double? Share);

/// <summary>One row of <c>alerts</c> as the API and the notifications show it.</summary>
public sealed record AlertRow(
    long Id,
    string SeriesKey,
    string Level,
    string? App,
    string? Version,
    string? NotedHostname,
    string Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset LastEvaluatedAt,
    int WindowDevices,
    int PeakDevices,
    double BaselineMedian,
    int? ActiveDevices,
    string Headline,
    string Summary,
    string Action,
    IReadOnlyDictionary<string, int> DiagnosisMix,
    ChainInfo? TopChain,
    IReadOnlyList<VersionInfo> TopVersions,
    int? WindowNetworks = null)
{
    /// <summary>Reads the columns of <see cref="AlertingSql.AlertColumns"/>, in order.</summary>
    public static AlertRow Read(Npgsql.NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), r.GetString(6),
        r.GetFieldValue<DateTimeOffset>(7), Time(r, 8), Time(r, 9), Text(r, 10), Time(r, 11), r.GetFieldValue<DateTimeOffset>(12),
        r.GetInt32(13), r.GetInt32(14), r.GetDouble(15), r.IsDBNull(16) ? null : r.GetInt32(16), r.GetString(17), r.GetString(18),
        r.GetString(19), AlertJson.Read<Dictionary<string, int>>(Text(r, 20)) ?? [], AlertJson.Read<ChainInfo>(Text(r, 21)),
        AlertJson.Read<List<VersionInfo>>(Text(r, 22)) ?? [], r.IsDBNull(23) ? null : r.GetInt32(23));

    /// <summary>
    /// The reports behind the alert's window, for a responder to judge a suspicious spike (same series filters as the
    /// alert; <c>from</c> is the window before the alert opened). Relative to the service's base URL.
    /// </summary>
    public string ReportsPath
    {
        get
        {
            var query = new List<string>();
            if (App is not null) query.Add("app=" + Uri.EscapeDataString(App));
            if (Version is not null) query.Add("version=" + Uri.EscapeDataString(Version));
            if (NotedHostname is not null) query.Add("hostname=" + Uri.EscapeDataString(NotedHostname));
            query.Add("from=" + Uri.EscapeDataString(OpenedAt.AddMinutes(-10).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
            return "/v1/reports?" + string.Join('&', query);
        }
    }

    /// <summary>The series' share of the population it covers, as in the headline (<see cref="Domain.Alerting.SeriesShare"/>).</summary>
    public double? Share =>
        Domain.Alerting.SeriesShare.Of(Level == "host" ? Domain.Alerting.SeriesLevel.Host : Domain.Alerting.SeriesLevel.Version, Version,
            WindowDevices, ActiveDevices, [.. TopVersions.Select(v => new Domain.Alerting.VersionDevices(v.App, v.Version, v.Devices, v.ActiveDevices))])
            is { } share ? Math.Round(share.Value, 6) : null;

    /// <summary>The diagnosis with the most devices, for PagerDuty's <c>class</c>.</summary>
    public string? DominantDiagnosis => DiagnosisMix.OrderByDescending(e => e.Value).Select(e => e.Key).FirstOrDefault();

    private static string? Text(Npgsql.NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(Npgsql.NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
