namespace ReportApi.Data;

/// <summary>A column of <c>reports</c> and its PostgreSQL type, as the writer stages it (<c>unnest($n::type[])</c>).</summary>
internal sealed record ReportColumn(string Name, string SqlType);

/// <summary>
/// THE list of <c>reports</c> columns. Adding a column means: a line here, the property on <see cref="ReportEntity"/>
/// and its migration, and the staged array in Ingestion/StagedRows. Everything else follows or fails a test: the
/// writer's INSERT and its <c>unnest</c> casts are generated from this list (IngestSql), SchemaTests holds the list
/// against the EF model and the migrated table (names), ReportColumnsTests against the table's types and against the
/// arrays StagedRows binds, value by value, in this order.
/// </summary>
internal static class ReportColumns
{
    public static readonly ReportColumn[] All =
    [
        new("id", "uuid"), new("received_at", "timestamptz"), new("dialect", "text"), new("hostname", "text"),
        new("noted_hostname", "text"), new("port", "integer"), new("include_subdomains", "boolean"),
        new("enforce_pinning", "boolean"), new("validation_result", "integer"), new("app_bundle_id", "text"),
        new("app_version", "text"), new("app_platform", "text"), new("app_platform_version", "text"),
        new("trust_kit_version", "text"), new("device_hash", "bytea"), new("date_time_raw", "text"),
        new("client_time", "timestamptz"), new("client_time_quality", "text"), new("known_pins_expiration_date", "date"),
        new("effective_expiration_date", "timestamptz"), new("validated_chain_fingerprint", "bytea"),
        new("served_chain_fingerprint", "bytea"), new("pin_set_fingerprint", "bytea"), new("dedup_key", "bytea"),
        new("diagnosis", "text"), new("raw", "jsonb"), new("authenticated", "boolean"),
    ];

    public static readonly string[] Names = [.. All.Select(c => c.Name)];
}
