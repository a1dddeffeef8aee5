using ReportApi.Data;
using ReportApi.Rollups;

namespace ReportApi.Ingestion;

/// <summary>The writer's SQL. Column lists here must match the EF model (a test checks it).</summary>
internal static class IngestSql
{
    /// <summary>The columns of <c>reports</c> (<see cref="Data.ReportColumns"/>): the one list the writer's SQL is generated from.</summary>
    public static readonly string[] ReportColumns = Data.ReportColumns.Names;

    private static readonly string Columns = string.Join(", ", ReportColumns);

    // The staged columns after the report's own: in_batch_duplicates, counts_device, network_id (StagedRows binds them last).
    private static readonly string[] StagedExtraTypes = ["integer", "boolean", "bigint"];

    // $1::uuid[], $2::timestamptz[], ...: one typed array per report column, in list order, then the extra columns.
    private static readonly string StagedArrays = string.Join(", ",
        Data.ReportColumns.All.Select(c => c.SqlType).Concat(StagedExtraTypes).Select((type, i) => $"${i + 1}::{type}[]"));

    /// <summary>
    /// The batch as one set of rows: every column travels as one binary array parameter ($1..$30, in
    /// <see cref="StagedRows"/> order) and <c>unnest</c> zips them back into rows. One statement, no staging table:
    /// the temp table the writer used before cost a round trip to create, one for the COPY, and a file truncation at
    /// every commit (ON COMMIT DELETE ROWS), measured as the second-largest wait of the hot transaction.
    /// in_batch_duplicates: further copies of the row's report in the same batch, skipped before staging (ON CONFLICT
    /// cannot touch a row twice) but counted as duplicates in the rollups. counts_device: false when the report's
    /// source already added its share of devices to this series (SourceCap): stored and counted, its device not added
    /// to the device sets that alerting reads. network_id: the keyed hash of the source network (SourceNetworks), for
    /// <see cref="NetworkCtes"/>.
    /// </summary>
    private static readonly string Staged = $"""
        staged AS MATERIALIZED (
            SELECT * FROM unnest({StagedArrays})
            AS s ({Columns}, in_batch_duplicates, counts_device, network_id)
        )
        """;

    /// <summary>Parameter number of the writer loop's index in <see cref="InsertFresh"/> (after the staged columns).</summary>
    public static readonly int WriterParameter = Data.ReportColumns.All.Length + StagedExtraTypes.Length + 1;

    // The series dimensions of a staged report, in failure_series key order ('' for a missing text, -1 for no enforce
    // flag). StagedRows.SeriesKeys computes the same tuple in C# for InsertSeries.
    private const string SeriesKey = """
        coalesce(s.app_bundle_id, ''), coalesce(s.app_version, ''), coalesce(s.app_platform, ''), s.noted_hostname,
        s.hostname, s.diagnosis, (CASE s.enforce_pinning WHEN true THEN 1 WHEN false THEN 0 ELSE -1 END)::smallint
        """;

    private const string KeyColumns = "app, version, platform, noted_hostname, hostname, diagnosis, enforce";

    /// <summary>
    /// Registers the batch's new series ($5..$11: its distinct series keys as arrays, <see cref="StagedRows"/>), at most
    /// $2 per app, $3 per noted hostname and $4 in all per hour (counting the series first seen in the hour before $1;
    /// issue #22: 9,000 junk versions must not become 9,000 alerting series). A refused series' reports go to its app's
    /// overflow series (version '(other)'; the global one, app '(other)' too, once the total cap bites), which
    /// <see cref="InsertFresh"/> falls back to: stored and counted, never alerted on. NOT EXISTS first: ON CONFLICT alone
    /// would burn an identity value for every series on every batch and exhaust an integer id within months. A
    /// statement of its own because the insert of <see cref="InsertFresh"/> must see these rows. Returns the refusals
    /// by cap (app, host, total) and the series inserted.
    /// </summary>
    public static readonly string InsertSeries = $"""
        WITH k AS (
            SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::smallint[])
                AS k ({KeyColumns})
        ), fresh AS (
            SELECT k.* FROM k
            WHERE NOT EXISTS (
                SELECT 1 FROM failure_series f WHERE (f.{KeyColumns.Replace(", ", ", f.")}) = (k.{KeyColumns.Replace(", ", ", k.")}))
        ), recent AS MATERIALIZED (
            SELECT app, noted_hostname FROM failure_series WHERE first_seen_at > $1 - interval '1 hour'
        ), ranked AS (
            SELECT f.*,
                row_number() OVER (PARTITION BY f.app ORDER BY f.{KeyColumns.Replace(", ", ", f.")}) + coalesce(a.n, 0) > $2 AS over_app,
                row_number() OVER (PARTITION BY f.noted_hostname ORDER BY f.{KeyColumns.Replace(", ", ", f.")}) + coalesce(h.n, 0) > $3 AS over_host,
                row_number() OVER (ORDER BY f.{KeyColumns.Replace(", ", ", f.")}) + (SELECT count(*) FROM recent) > $4 AS over_total
            FROM fresh f
            LEFT JOIN (SELECT app, count(*) AS n FROM recent GROUP BY app) a ON a.app = f.app
            LEFT JOIN (SELECT noted_hostname, count(*) AS n FROM recent GROUP BY noted_hostname) h ON h.noted_hostname = f.noted_hostname
        ), wanted AS (
            SELECT {KeyColumns} FROM ranked WHERE NOT (over_app OR over_host OR over_total)
            UNION
            SELECT CASE WHEN over_total THEN '{SeriesCaps.Overflow}' ELSE app END, {SeriesCaps.OverflowRest}
            FROM ranked WHERE over_app OR over_host OR over_total
        ), inserted AS (
            INSERT INTO failure_series ({KeyColumns}, first_seen_at)
            SELECT w.*, $1 FROM wanted w
            WHERE NOT EXISTS (
                SELECT 1 FROM failure_series f WHERE (f.{KeyColumns.Replace(", ", ", f.")}) = (w.{KeyColumns.Replace(", ", ", w.")}))
            ORDER BY {KeyColumns}
            ON CONFLICT ({KeyColumns}) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) FILTER (WHERE over_app), count(*) FILTER (WHERE over_host), count(*) FILTER (WHERE over_total),
               (SELECT count(*) FROM inserted)
        FROM ranked
        """;

    /// <summary>
    /// Claims each dedup key (new, or last stored over 24 h ago), inserts only the reports whose key it claimed, and
    /// maintains the minute rollups in the same statement (so the same transaction: rollups never disagree with
    /// <c>reports</c>); the hour and day grains are folded from them off the hot path by the rollup closer.
    /// Returns the number of reports stored; the rest of the batch were duplicates.
    /// A device counts in a bucket when it has a stored report there; resends (duplicates) add to
    /// <c>duplicates</c> only. A rollup's <c>devices</c> grows by the device rows this statement really inserted,
    /// so it stays exact per bucket and series across batches and replicas.
    /// </summary>
    public static readonly string InsertFresh = $"""
        WITH {Staged}, fresh AS (
            INSERT INTO report_dedup AS d (dedup_key, last_stored_at)
            SELECT dedup_key, received_at FROM staged ORDER BY dedup_key
            ON CONFLICT (dedup_key) DO UPDATE SET last_stored_at = excluded.last_stored_at
                WHERE d.last_stored_at < excluded.last_stored_at - interval '24 hours'
            RETURNING dedup_key
        ), stored AS (
            INSERT INTO reports ({Columns})
            SELECT {Columns} FROM staged s WHERE s.dedup_key IN (SELECT dedup_key FROM fresh)
            RETURNING 1
        ), classified AS (
            SELECT s.received_at, f.id AS series_id, fr.dedup_key IS NOT NULL AS is_fresh, s.in_batch_duplicates, s.network_id,
                   CASE WHEN s.device_hash IS NOT NULL AND s.counts_device
                        THEN ('x' || encode(substring(s.device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint END AS device_id
            FROM staged s
            {SeriesCaps.SeriesJoin(SeriesKey)}
            LEFT JOIN fresh fr ON fr.dedup_key = s.dedup_key
            WHERE f.id IS NOT NULL
        ){GrainCtes("minute", "minute")}{NetworkCtes}{LateMinutesSql.Of("classified")}
        SELECT count(*) FROM stored
        """;

    /// <summary>
    /// The minute network sets (issue #22): which source networks the counted devices of each series reported from, so
    /// alerting can ask for independent evidence. Same rule as the device sets: fresh reports whose device counts.
    /// </summary>
    private const string NetworkCtes = """
        , networks_minute AS (
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT DISTINCT date_trunc('minute', received_at, 'UTC'), series_id, network_id
            FROM classified WHERE is_fresh AND device_id IS NOT NULL AND network_id IS NOT NULL
            ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
        )
        """;

    // The minute rollup is sharded by writer loop (RollupSchemaSql.ShardedByWriter): concurrent writers upsert their
    // own row of a bucket and series instead of queueing on one row lock that is held through each other's commit.
    private static string GrainCtes(string suffix, string field)
    {
        var sharded = RollupSchemaSql.ShardedByWriter(suffix);
        var writerColumn = sharded ? ", writer" : "";
        var writerValue = sharded ? $", ${WriterParameter}::smallint" : "";
        return $"""
        , devices_{suffix} AS (
            INSERT INTO failure_devices_{suffix} (bucket, series_id, device_id)
            SELECT DISTINCT date_trunc('{field}', received_at, 'UTC'), series_id, device_id
            FROM classified WHERE is_fresh AND device_id IS NOT NULL
            ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING bucket, series_id
        ), rollups_{suffix} AS (
            INSERT INTO failure_rollups_{suffix} AS r (bucket, series_id{writerColumn}, reports, duplicates, devices)
            SELECT c.bucket, c.series_id{writerValue}, c.reports, c.duplicates, coalesce(n.devices, 0)
            FROM (
                SELECT date_trunc('{field}', received_at, 'UTC') AS bucket, series_id,
                       count(*) FILTER (WHERE is_fresh) AS reports,
                       count(*) FILTER (WHERE NOT is_fresh) + sum(in_batch_duplicates) AS duplicates
                FROM classified GROUP BY 1, 2
            ) c
            LEFT JOIN (SELECT bucket, series_id, count(*) AS devices FROM devices_{suffix} GROUP BY 1, 2) n
                USING (bucket, series_id)
            ORDER BY c.bucket, c.series_id
            ON CONFLICT (bucket, series_id{writerColumn}) DO UPDATE SET
                reports = r.reports + excluded.reports,
                duplicates = r.duplicates + excluded.duplicates,
                devices = r.devices + excluded.devices
        )
        """;
    }

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
