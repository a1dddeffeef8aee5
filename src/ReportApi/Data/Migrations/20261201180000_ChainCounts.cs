using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class ChainCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue #12, "top failing chains" at scale. Hand-written, literal SQL (no live code), no change to the EF
            // model: the chain dimension, the chain rollups, device sets and serving counts the rollup closer keeps
            // (docs/stats.md, "Failing chains"), their partitions for every day the reports already have, the
            // chain_backfill edge, and the read function the Grafana panel calls.
            migrationBuilder.Sql(Tables);
            migrationBuilder.Sql(Partitions);
            migrationBuilder.Sql(Watermark);
            migrationBuilder.Sql(GrainFunction);
            migrationBuilder.Sql(StatsFunction);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Everything here is derived from the reports, which stay; the previous release reads none of it.
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS chain_stats(text, timestamptz, timestamptz, text);
                DROP FUNCTION IF EXISTS chain_grain(timestamptz, timestamptz);
                DELETE FROM rollup_watermarks WHERE edge = 'chain_backfill';
                DROP TABLE IF EXISTS chain_counts_day;
                DROP TABLE IF EXISTS chain_counts_hour;
                DROP TABLE IF EXISTS chain_devices_day;
                DROP TABLE IF EXISTS chain_devices_hour;
                DROP TABLE IF EXISTS chain_rollups_minute;
                DROP TABLE IF EXISTS failure_chains;
                """);
        }

        // failure_chains: one row per (app, leaf identity); leaf_key is sha256 of issuer, subject and leaf SPKI ('' when
        // the chain did not parse), so keys stay short whatever a proxy puts in its DNs. Unique on (leaf_key, app): the
        // all-apps read looks chains up by leaf_key first.
        private const string Tables = """
            CREATE TABLE failure_chains (
                id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                leaf_key bytea NOT NULL,
                app text NOT NULL,
                leaf_issuer text NOT NULL, leaf_subject text NOT NULL, leaf_spki_sha256 text NOT NULL,
                CONSTRAINT uq_failure_chains UNIQUE (leaf_key, app)
            );
            CREATE TABLE chain_rollups_minute (
                bucket timestamp with time zone NOT NULL,
                chain_id integer NOT NULL,
                reports integer NOT NULL,
                diagnosis text NOT NULL,
                CONSTRAINT pk_chain_rollups_minute PRIMARY KEY (bucket, chain_id)
            ) PARTITION BY RANGE (bucket);
            CREATE TABLE chain_devices_hour (
                bucket timestamp with time zone NOT NULL,
                chain_id integer NOT NULL,
                device_id bigint NOT NULL,
                CONSTRAINT pk_chain_devices_hour PRIMARY KEY (bucket, chain_id, device_id)
            ) PARTITION BY RANGE (bucket);
            CREATE TABLE chain_devices_day (
                bucket timestamp with time zone NOT NULL,
                chain_id integer NOT NULL,
                device_id bigint NOT NULL,
                CONSTRAINT pk_chain_devices_day PRIMARY KEY (bucket, chain_id, device_id)
            ) PARTITION BY RANGE (bucket);
            CREATE TABLE chain_counts_hour (
                bucket timestamp with time zone NOT NULL,
                dims smallint NOT NULL,
                app text NOT NULL,
                leaf_key bytea NOT NULL,
                reports bigint NOT NULL,
                devices bigint NOT NULL,
                diagnosis text NOT NULL,
                CONSTRAINT pk_chain_counts_hour PRIMARY KEY (bucket, dims, app, leaf_key)
            ) PARTITION BY RANGE (bucket);
            CREATE TABLE chain_counts_day (
                bucket timestamp with time zone NOT NULL,
                dims smallint NOT NULL,
                app text NOT NULL,
                leaf_key bytea NOT NULL,
                reports bigint NOT NULL,
                devices bigint NOT NULL,
                diagnosis text NOT NULL,
                CONSTRAINT pk_chain_counts_day PRIMARY KEY (bucket, dims, app, leaf_key)
            ) PARTITION BY RANGE (bucket);
            """;

        // The days the reports already have (partition maintenance creates the following ones with the others).
        private const string Partitions = """
            DO $$
            DECLARE p record; t text;
            BEGIN
                FOR p IN SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
                         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class r ON r.oid = i.inhparent
                         WHERE r.relname = 'reports' AND c.relname ~ '^reports_p[0-9]{8}$'
                LOOP
                    FOREACH t IN ARRAY ARRAY['chain_rollups_minute', 'chain_devices_hour', 'chain_devices_day', 'chain_counts_hour', 'chain_counts_day']
                    LOOP
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I %s', t || substr(p.relname, length('reports') + 1), t, p.bound);
                    END LOOP;
                END LOOP;
            END
            $$;
            """;

        // Reports received before the closed edge were never folded by chain: until the closer has backfilled them
        // (newest day first), buckets starting before chain_backfill are counted from the raw reports. NULL on a new
        // database: the closer's first run folds from the first minute.
        private const string Watermark = """
            INSERT INTO rollup_watermarks (edge, at)
            SELECT 'chain_backfill', w.at FROM rollup_watermarks w WHERE w.edge = 'closed'
            ON CONFLICT (edge) DO NOTHING;
            """;

        // A table of the top chains over a range sums per-bucket distinct devices: hourly up to two days, daily above.
        private const string GrainFunction = """
            CREATE OR REPLACE FUNCTION chain_grain(p_from timestamptz, p_to timestamptz) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$
                SELECT CASE WHEN p_to - p_from <= interval '2 days' THEN 'hour' ELSE 'day' END
            $$;
            """;

        // chain_stats(grain, from, to, app): per bucket and leaf (of one app, or of all apps when app is NULL) the
        // reports, the exact distinct devices and the highest diagnosis. Served buckets are a lookup; the open bucket is
        // its served row plus the minutes after the closed edge, whose devices count only if the bucket's folded set
        // does not hold them for the group; late-marked, not yet backfilled or never counted buckets are counted from
        // the raw reports. STABLE (one snapshot), dynamic SQL (pruning at plan time), no JIT (as failure_stats).
        private const string StatsFunction = """
            CREATE OR REPLACE FUNCTION chain_stats(p_grain text, p_from timestamptz, p_to timestamptz, p_app text DEFAULT NULL)
            RETURNS TABLE (bucket timestamptz, app text, leaf_issuer text, leaf_subject text, leaf_spki_sha256 text,
                           reports bigint, devices bigint, diagnosis text)
            LANGUAGE plpgsql STABLE
            SET jit = off
            AS $fn$
            DECLARE
                v_step interval;
                v_from timestamptz;
                v_to timestamptz;
                v_closed timestamptz;
                v_full timestamptz;
                v_dims smallint;
                v_live timestamptz;
            BEGIN
                v_step := CASE p_grain WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' END;
                IF v_step IS NULL THEN
                    RAISE EXCEPTION 'chain_stats: unknown grain %', p_grain USING ERRCODE = '22023';
                END IF;
                v_from := date_bin(v_step, p_from, timestamptz '2000-01-01 00:00:00+00');
                v_to := date_bin(v_step, p_to, timestamptz '2000-01-01 00:00:00+00');
                IF v_to < p_to THEN v_to := v_to + v_step; END IF;
                IF v_from >= v_to THEN RETURN; END IF;
                v_dims := CASE WHEN p_app IS NULL THEN 0 ELSE 1 END;
                SELECT w.at INTO v_closed FROM rollup_watermarks w WHERE w.edge = 'closed';
                v_closed := coalesce(v_closed, '-infinity');
                SELECT w.at INTO v_full FROM rollup_watermarks w WHERE w.edge = 'chain_backfill';
                v_full := coalesce(v_full, '-infinity');
                -- The first bucket not served as it is: the raw reports are read (and planned) only from there, so a
                -- month of served days plans today's partition of reports, not thirty.
                EXECUTE format($q$SELECT min(g.b) FROM generate_series($1, $2 - $3, $3) AS g (b)
                    WHERE g.b < $5 OR g.b + $3 > $4
                       OR EXISTS (SELECT 1 FROM rollup_dirty_minutes d WHERE d.minute >= g.b AND d.minute < g.b + $3)
                       OR NOT EXISTS (SELECT 1 FROM chain_counts_%s c WHERE c.bucket = g.b)$q$, p_grain)
                    INTO v_live USING v_from, v_to, v_step, v_closed, v_full;
                v_live := coalesce(v_live, v_to);
                RETURN QUERY EXECUTE format($q$
                WITH dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN g.b < $6 OR g.b >= $5 OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3)
                                     OR NOT EXISTS (SELECT 1 FROM chain_counts_%1$s c WHERE c.bucket = g.b) THEN 'r'
                                WHEN g.b + $3 <= $5 THEN 's'
                                ELSE 'p' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), leaves AS MATERIALIZED (
                    SELECT DISTINCT ON (f.leaf_key) f.leaf_key, f.leaf_issuer, f.leaf_subject, f.leaf_spki_sha256
                    FROM failure_chains f ORDER BY f.leaf_key, f.id
                ), live AS MATERIALIZED (
                    -- The raw reports a bucket still needs: all of it (recount), or what came after the closed edge (partial).
                    SELECT b.b, b.mode, CASE WHEN $4 = 1 THEN coalesce(r.app_bundle_id, '') ELSE '' END AS app,
                           sha256(convert_to(coalesce(c.leaf_issuer, '') || E'\n' || coalesce(c.leaf_subject, '') || E'\n' || coalesce(c.leaf_spki_sha256, ''), 'UTF8')) AS leaf_key,
                           coalesce(c.leaf_issuer, '') AS leaf_issuer, coalesce(c.leaf_subject, '') AS leaf_subject, coalesce(c.leaf_spki_sha256, '') AS leaf_spki_sha256,
                           r.diagnosis,
                           CASE WHEN r.device_hash IS NOT NULL THEN ('x' || encode(substring(r.device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint END AS device_id
                    FROM b CROSS JOIN LATERAL (
                        -- Per bucket, so each is an index range scan of the partitions it touches, never a scan of the range.
                        SELECT r.app_bundle_id, r.validated_chain_fingerprint, r.diagnosis, r.device_hash FROM reports r
                        WHERE r.received_at >= CASE WHEN b.mode = 'p' THEN greatest(b.b, $5) ELSE b.b END AND r.received_at < b.e
                          AND r.received_at >= $8 AND r.received_at < $2
                          AND ($7::text IS NULL OR coalesce(r.app_bundle_id, '') = $7) AND b.mode IN ('r', 'p')
                    ) r
                    JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
                    WHERE b.mode IN ('r', 'p')
                ), live_devices AS (
                    SELECT l.b, l.app, l.leaf_key, l.device_id,
                           l.mode = 'p' AND EXISTS (
                               SELECT 1 FROM failure_chains f JOIN chain_devices_%1$s x ON x.chain_id = f.id
                               WHERE f.leaf_key = l.leaf_key AND ($4 = 0 OR f.app = l.app) AND x.bucket = l.b AND x.device_id = l.device_id
                           ) AS had
                    FROM (SELECT DISTINCT b, mode, app, leaf_key, device_id FROM live WHERE device_id IS NOT NULL) l
                )
                SELECT u.b, nullif(u.app, '')::text, u.leaf_issuer, u.leaf_subject, u.leaf_spki_sha256,
                       sum(u.reports)::bigint, sum(u.devices)::bigint, max(u.diagnosis)
                FROM (
                    SELECT c.bucket AS b, c.app, l.leaf_issuer, l.leaf_subject, l.leaf_spki_sha256, c.reports, c.devices, c.diagnosis
                    FROM b JOIN chain_counts_%1$s c ON c.bucket = b.b AND c.dims = $4
                    JOIN leaves l ON l.leaf_key = c.leaf_key
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($7::text IS NULL OR c.app = $7)
                    UNION ALL
                    SELECT l.b, l.app, l.leaf_issuer, l.leaf_subject, l.leaf_spki_sha256, count(*), 0, max(l.diagnosis)
                    FROM live l GROUP BY l.b, l.app, l.leaf_key, l.leaf_issuer, l.leaf_subject, l.leaf_spki_sha256
                    UNION ALL
                    SELECT d.b, d.app, l.leaf_issuer, l.leaf_subject, l.leaf_spki_sha256, 0, count(*) FILTER (WHERE NOT d.had), NULL
                    FROM live_devices d JOIN (SELECT DISTINCT leaf_key, leaf_issuer, leaf_subject, leaf_spki_sha256 FROM live) l ON l.leaf_key = d.leaf_key
                    GROUP BY d.b, d.app, l.leaf_key, l.leaf_issuer, l.leaf_subject, l.leaf_spki_sha256
                ) AS u (b, app, leaf_issuer, leaf_subject, leaf_spki_sha256, reports, devices, diagnosis)
                GROUP BY u.b, u.app, u.leaf_issuer, u.leaf_subject, u.leaf_spki_sha256
                $q$, p_grain)
                USING v_from, v_to, v_step, v_dims, v_closed, v_full, p_app, v_live;
            END
            $fn$;
            """;
    }
}
