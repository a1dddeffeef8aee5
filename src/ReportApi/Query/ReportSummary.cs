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
    /// <summary>Reads the columns of <see cref="QuerySql.SummaryColumns"/>, in order.</summary>
    internal static ReportSummary Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7),
        r.GetString(8), r.GetString(9), Nullable<int>(r, 10), Nullable<bool>(r, 11), Nullable<bool>(r, 12), Nullable<int>(r, 13),
        r.GetString(14), r.IsDBNull(15) ? null : DeviceId((byte[])r[15]), Text(r, 16),
        r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17), r.GetString(18),
        r.IsDBNull(19) ? null : r.GetFieldValue<DateOnly>(19), r.GetFieldValue<string[]>(20), Text(r, 22), Text(r, 23), Text(r, 24),
        r.GetBoolean(25));

    /// <summary>
    /// A short pseudonym of the install: enough to see "the same device again" in an incident, derived from the
    /// keyed HMAC (never the raw app-vendor-id, which is not stored).
    /// </summary>
    public static string DeviceId(byte[] hash) => Convert.ToHexStringLower(hash.AsSpan(0, 8));

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static T? Nullable<T>(NpgsqlDataReader r, int i) where T : struct => r.IsDBNull(i) ? null : r.GetFieldValue<T>(i);
}

/// <summary>A page of reports and the cursor of the next one (null on the last page).</summary>
public sealed record ReportPage(IReadOnlyList<ReportSummary> Items, string? NextCursor);
