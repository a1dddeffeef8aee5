namespace ReportApi.Data;

/// <summary>
/// Hand-written schema of issue #22 (forged reports must not page anyone): the minute network sets alerting counts
/// independent evidence from, the out-of-scope tally, and the index the per-hour series caps count with.
/// </summary>
internal static class EvidenceSchemaSql
{
    /// <summary>Partitioned by UTC day like <c>failure_devices_minute</c>, so retention drops it with the reports.</summary>
    public const string NetworksTable = "failure_networks_minute";

    /// <summary>
    /// One row per (minute, series, source network): <c>network_id</c> is 8 bytes of a keyed HMAC of the IPv4 /24 or IPv6
    /// /48 (<c>SourceNetworks</c>), never an address. No foreign key, for the same reason as the device sets.
    /// </summary>
    public const string CreateNetworks = """
        CREATE TABLE failure_networks_minute (
            bucket timestamp with time zone NOT NULL,
            series_id integer NOT NULL,
            network_id bigint NOT NULL,
            CONSTRAINT pk_failure_networks_minute PRIMARY KEY (bucket, series_id, network_id)
        ) PARTITION BY RANGE (bucket);
        """;

    /// <summary>An upgraded database has day partitions already; give the new table the same days so the writer never misses one.</summary>
    public const string BackfillNetworkPartitions = """
        DO $$
        DECLARE part record; day date;
        BEGIN
            FOR part IN
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'failure_devices_minute' AND c.relname ~ '^failure_devices_minute_p[0-9]{8}$'
            LOOP
                day := to_date(right(part.relname, 8), 'YYYYMMDD');
                EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_networks_minute FOR VALUES FROM (%L) TO (%L)',
                    'failure_networks_minute_p' || to_char(day, 'YYYYMMDD'), day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
            END LOOP;
        END $$;
        """;

    /// <summary>
    /// What arrived outside <c>Ingest:Scope</c>, aggregated: each replica counts in memory and adds its counts here every
    /// flush, so a flood costs one upsert per key per flush, never a write per request. '' stands for a missing field.
    /// The number of rows is bounded by the flusher (beyond it, keys fold into one '(other)' row).
    /// </summary>
    public const string CreateScopeRejections = """
        CREATE TABLE scope_rejections (
            app text NOT NULL,
            platform text NOT NULL,
            hostname text NOT NULL,
            reason text NOT NULL,
            reports bigint NOT NULL,
            first_seen_at timestamp with time zone NOT NULL,
            last_seen_at timestamp with time zone NOT NULL,
            CONSTRAINT pk_scope_rejections PRIMARY KEY (app, platform, hostname, reason)
        );
        """;

    /// <summary>The per-hour series caps count the series first seen in the last hour.</summary>
    public const string CreateSeriesFirstSeenIndex = "CREATE INDEX ix_failure_series_first_seen_at ON failure_series (first_seen_at);";

    public const string Drop = """
        DROP INDEX IF EXISTS ix_failure_series_first_seen_at;
        DROP TABLE IF EXISTS scope_rejections;
        DROP TABLE IF EXISTS failure_networks_minute;
        """;
}
