namespace ReportApi.Ingestion;

/// <summary>The writer's SQL. Column lists here must match the EF model (a test checks it).</summary>
internal static class IngestSql
{
    public static readonly string[] ReportColumns =
    [
        "id", "received_at", "dialect", "hostname", "noted_hostname", "port", "include_subdomains", "enforce_pinning",
        "validation_result", "app_bundle_id", "app_version", "app_platform", "app_platform_version", "trust_kit_version",
        "device_hash", "date_time_raw", "client_time", "client_time_quality", "known_pins_expiration_date",
        "effective_expiration_date", "validated_chain_fingerprint", "served_chain_fingerprint", "pin_set_fingerprint",
        "dedup_key", "diagnosis", "raw",
    ];

    private static readonly string Columns = string.Join(", ", ReportColumns);

    // A per-connection temp table: pooled connections keep it, and ON COMMIT DELETE ROWS empties it each batch.
    public const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS ingest_staging (LIKE reports INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
        """;

    public static readonly string CopyStaging = $"COPY ingest_staging ({Columns}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Claims each dedup key (new, or last stored over 24 h ago) and inserts only the reports whose key it claimed.
    /// Returns the number of reports stored; the rest of the batch were duplicates.
    /// </summary>
    public static readonly string InsertFresh = $"""
        WITH fresh AS (
            INSERT INTO report_dedup AS d (dedup_key, last_stored_at)
            SELECT dedup_key, received_at FROM ingest_staging
            ON CONFLICT (dedup_key) DO UPDATE SET last_stored_at = excluded.last_stored_at
                WHERE d.last_stored_at < excluded.last_stored_at - interval '24 hours'
            RETURNING dedup_key
        ), stored AS (
            INSERT INTO reports ({Columns})
            SELECT {Columns} FROM ingest_staging s WHERE s.dedup_key IN (SELECT dedup_key FROM fresh)
            RETURNING 1
        )
        SELECT count(*) FROM stored
        """;

    public const string InsertChain = """
        INSERT INTO certificate_chains
            (fingerprint, certificate_count, certificates, leaf_subject, leaf_issuer, leaf_spki_sha256, leaf_not_after, first_seen_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (fingerprint) DO NOTHING
        """;

    public const string InsertPinSet = """
        INSERT INTO pin_sets (fingerprint, pins, sha256pins, malformed_count, first_seen_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (fingerprint) DO NOTHING
        """;
}
