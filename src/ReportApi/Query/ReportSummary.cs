using Npgsql;

namespace ReportApi.Query;

/// <summary>One report in a list: what a responder scans for (who, where, which chain, which diagnosis).</summary>
public sealed record ReportSummary(
    Guid Id,
    DateTimeOffset ReceivedAt,
    string Dialect,
    string? App,
    string? Version,
    string? Platform,
    string? PlatformVersion,
    string? TrustKitVersion,
    string Hostname,
    string NotedHostname,
    int? Port,
    bool? IncludeSubdomains,
    bool? EnforcePinning,
    int? ValidationResult,
    string Diagnosis,
    string? Device,
    string? ClientDateTime,
    DateTimeOffset? ClientTime,
    string ClientTimeQuality,
    DateOnly? KnownPinsExpirationDate,
    IReadOnlyList<string> KnownPins,
    string? LeafSubject,
    string? LeafIssuer,
    string? LeafSpkiSha256,
    bool Authenticated)
{
    /// <summary>
    /// A short pseudonym of the install: enough to see "the same device again" in an incident, derived from the
    /// keyed HMAC (never the raw app-vendor-id, which is not stored).
    /// </summary>
    public static string DeviceId(byte[] hash) => Convert.ToHexStringLower(hash.AsSpan(0, 8));
}

/// <summary>A page of reports and the cursor of the next one (null on the last page).</summary>
public sealed record ReportPage(IReadOnlyList<ReportSummary> Items, string? NextCursor);

/// <summary>
/// Reads the columns of <see cref="QuerySql.SummaryColumns"/> by name, so a reordered SELECT cannot shift a value into
/// the wrong field. The ordinals are resolved once per result set: a CSV export streams every row of its range.
/// </summary>
internal sealed class ReportSummaryReader(NpgsqlDataReader reader)
{
    private readonly int _id = reader.GetOrdinal("id"), _receivedAt = reader.GetOrdinal("received_at"), _dialect = reader.GetOrdinal("dialect"),
        _app = reader.GetOrdinal("app_bundle_id"), _version = reader.GetOrdinal("app_version"), _platform = reader.GetOrdinal("app_platform"),
        _platformVersion = reader.GetOrdinal("app_platform_version"), _trustKitVersion = reader.GetOrdinal("trust_kit_version"),
        _hostname = reader.GetOrdinal("hostname"), _notedHostname = reader.GetOrdinal("noted_hostname"), _port = reader.GetOrdinal("port"),
        _includeSubdomains = reader.GetOrdinal("include_subdomains"), _enforcePinning = reader.GetOrdinal("enforce_pinning"),
        _validationResult = reader.GetOrdinal("validation_result"), _diagnosis = reader.GetOrdinal("diagnosis"),
        _device = reader.GetOrdinal("device_hash"), _dateTimeRaw = reader.GetOrdinal("date_time_raw"), _clientTime = reader.GetOrdinal("client_time"),
        _clientTimeQuality = reader.GetOrdinal("client_time_quality"), _pinsExpiration = reader.GetOrdinal("known_pins_expiration_date"),
        _pins = reader.GetOrdinal("pins"), _leafSubject = reader.GetOrdinal("leaf_subject"), _leafIssuer = reader.GetOrdinal("leaf_issuer"),
        _leafSpki = reader.GetOrdinal("leaf_spki_sha256"), _authenticated = reader.GetOrdinal("authenticated");

    public ReportSummary Read() => new(
        reader.GetGuid(_id), reader.GetFieldValue<DateTimeOffset>(_receivedAt), reader.GetString(_dialect), Text(_app), Text(_version),
        Text(_platform), Text(_platformVersion), Text(_trustKitVersion), reader.GetString(_hostname), reader.GetString(_notedHostname),
        Nullable<int>(_port), Nullable<bool>(_includeSubdomains), Nullable<bool>(_enforcePinning), Nullable<int>(_validationResult),
        reader.GetString(_diagnosis), reader.IsDBNull(_device) ? null : ReportSummary.DeviceId(reader.GetFieldValue<byte[]>(_device)),
        Text(_dateTimeRaw), Nullable<DateTimeOffset>(_clientTime), reader.GetString(_clientTimeQuality), Nullable<DateOnly>(_pinsExpiration),
        reader.GetFieldValue<string[]>(_pins), Text(_leafSubject), Text(_leafIssuer), Text(_leafSpki), reader.GetBoolean(_authenticated));

    private string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private T? Nullable<T>(int ordinal) where T : struct => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
