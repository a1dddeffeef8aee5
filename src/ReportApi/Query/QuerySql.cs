namespace ReportApi.Query;

/// <summary>The query API's SQL. Filters are whitelisted fragments; every value is a parameter.</summary>
internal static class QuerySql
{
    public const string SummaryColumns = """
        r.id, r.received_at, r.dialect, r.app_bundle_id, r.app_version, r.app_platform, r.app_platform_version,
        r.trust_kit_version, r.hostname, r.noted_hostname, r.port, r.include_subdomains, r.enforce_pinning,
        r.validation_result, r.diagnosis, r.device_hash, r.date_time_raw, r.client_time, r.client_time_quality,
        r.known_pins_expiration_date, p.pins, p.sha256pins, c.leaf_subject, c.leaf_issuer, c.leaf_spki_sha256, r.authenticated
        """;

    /// <summary>After the summary in <see cref="Details"/> and <see cref="Range"/>: the raw JSON and both chains' certificates.</summary>
    private const string DetailColumns =
        "r.raw::text AS raw, vc.certificates::text AS validated_certificates, sc.certificates::text AS served_certificates";

    private const string SummaryFrom = """
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        """;

    /// <summary>
    /// Newest first, keyset-paginated on (received_at, id); partition pruning comes from the time range. The filters are
    /// the fragments of the ones set (each binds its named value), joined with AND.
    /// </summary>
    public static string List(IEnumerable<string> filters, int? limit) =>
        $"SELECT {SummaryColumns}\n{SummaryFrom}\nWHERE {string.Join(" AND ", filters)}\nORDER BY r.received_at DESC, r.id DESC"
        + (limit is { } l ? $"\nLIMIT {l}" : "");

    public const string FromFilter = "r.received_at >= @from";
    public const string ToFilter = "r.received_at < @to";
    public const string AppFilter = "r.app_bundle_id = @app";
    public const string VersionFilter = "r.app_version = @version";
    public const string PlatformFilter = "r.app_platform = @platform";
    public const string HostnameFilter = "(r.hostname = @hostname OR r.noted_hostname = @hostname)";
    public const string DiagnosisFilter = "r.diagnosis = @diagnosis";
    public const string ValidationResultFilter = "r.validation_result = @validation_result";
    public const string CursorFilter = "(r.received_at, r.id) < (@cursor_time, @cursor_id)";

    /// <summary>One report by id; the id's UUIDv7 timestamp bounds received_at, so only one partition is read.</summary>
    public const string Details = $"""
        SELECT {SummaryColumns}, {DetailColumns}
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains vc ON vc.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains sc ON sc.fingerprint = r.served_chain_fingerprint
        WHERE r.id = @id AND r.received_at >= @from AND r.received_at < @to
        """;

    /// <summary>A range of reports oldest first after a keyset cursor, with the columns of <see cref="Details"/> (rediagnose).</summary>
    public const string Range = $"""
        SELECT {SummaryColumns}, {DetailColumns}
        FROM reports r
        JOIN pin_sets p ON p.fingerprint = r.pin_set_fingerprint
        LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains vc ON vc.fingerprint = r.validated_chain_fingerprint
        LEFT JOIN certificate_chains sc ON sc.fingerprint = r.served_chain_fingerprint
        WHERE r.received_at >= @from AND r.received_at < @to AND (r.received_at, r.id) > (@cursor_time, @cursor_id)
        ORDER BY r.received_at, r.id
        LIMIT @limit
        """;
}
