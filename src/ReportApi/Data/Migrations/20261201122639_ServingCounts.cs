using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class ServingCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue #12, hand-written (partitioned tables and functions are not in the EF model): the serving counts,
            // the closer's watermarks and late-write marks, the read function shared by the API and Grafana. The
            // rollups of the previous release stay as they are: its hour and day grains are complete up to this
            // minute, so the watermarks start here and the closer backfills the older buckets' counts.
            migrationBuilder.Sql("""
                CREATE TABLE failure_counts_minute (
                    bucket timestamp with time zone NOT NULL,
                    dims smallint NOT NULL,
                    app text NOT NULL, version text NOT NULL, platform text NOT NULL,
                    hostname text NOT NULL, noted_hostname text NOT NULL, diagnosis text NOT NULL,
                    reports bigint NOT NULL, duplicates bigint NOT NULL, reports_enforced bigint NOT NULL, reports_report_only bigint NOT NULL,
                    devices bigint NOT NULL, devices_enforced bigint NOT NULL, devices_report_only bigint NOT NULL,
                    CONSTRAINT pk_failure_counts_minute PRIMARY KEY (bucket, dims, app, version, platform, hostname, noted_hostname, diagnosis)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_counts_five_minute (
                    bucket timestamp with time zone NOT NULL,
                    dims smallint NOT NULL,
                    app text NOT NULL, version text NOT NULL, platform text NOT NULL,
                    hostname text NOT NULL, noted_hostname text NOT NULL, diagnosis text NOT NULL,
                    reports bigint NOT NULL, duplicates bigint NOT NULL, reports_enforced bigint NOT NULL, reports_report_only bigint NOT NULL,
                    devices bigint NOT NULL, devices_enforced bigint NOT NULL, devices_report_only bigint NOT NULL,
                    CONSTRAINT pk_failure_counts_five_minute PRIMARY KEY (bucket, dims, app, version, platform, hostname, noted_hostname, diagnosis)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_counts_hour (
                    bucket timestamp with time zone NOT NULL,
                    dims smallint NOT NULL,
                    app text NOT NULL, version text NOT NULL, platform text NOT NULL,
                    hostname text NOT NULL, noted_hostname text NOT NULL, diagnosis text NOT NULL,
                    reports bigint NOT NULL, duplicates bigint NOT NULL, reports_enforced bigint NOT NULL, reports_report_only bigint NOT NULL,
                    devices bigint NOT NULL, devices_enforced bigint NOT NULL, devices_report_only bigint NOT NULL,
                    CONSTRAINT pk_failure_counts_hour PRIMARY KEY (bucket, dims, app, version, platform, hostname, noted_hostname, diagnosis)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_counts_day (
                    bucket timestamp with time zone NOT NULL,
                    dims smallint NOT NULL,
                    app text NOT NULL, version text NOT NULL, platform text NOT NULL,
                    hostname text NOT NULL, noted_hostname text NOT NULL, diagnosis text NOT NULL,
                    reports bigint NOT NULL, duplicates bigint NOT NULL, reports_enforced bigint NOT NULL, reports_report_only bigint NOT NULL,
                    devices bigint NOT NULL, devices_enforced bigint NOT NULL, devices_report_only bigint NOT NULL,
                    CONSTRAINT pk_failure_counts_day PRIMARY KEY (bucket, dims, app, version, platform, hostname, noted_hostname, diagnosis)
                ) PARTITION BY RANGE (bucket);
                -- closing: writers touching a minute before it mark that minute (they read it FOR SHARE, the closer moves it
                -- with an UPDATE, so every writer either committed before the move or sees the new edge).
                -- closed: every minute before it is folded into the hour and day grains and counted.
                -- backfill: buckets before it, written by a release without the closer, still to be counted (NULL: none).
                CREATE TABLE rollup_watermarks (edge text PRIMARY KEY, at timestamp with time zone);
                CREATE TABLE rollup_dirty_minutes (minute timestamp with time zone PRIMARY KEY);
                -- The closer and the partial read probe "does this device already count in this bucket?"
                CREATE INDEX ix_failure_devices_hour_device ON failure_devices_hour (bucket, device_id);
                CREATE INDEX ix_failure_devices_day_device ON failure_devices_day (bucket, device_id);
                """);
            migrationBuilder.Sql("""
                INSERT INTO rollup_watermarks (edge, at)
                SELECT e, CASE WHEN EXISTS (SELECT 1 FROM failure_rollups_minute) THEN date_trunc('minute', now(), 'UTC') END
                FROM unnest(ARRAY['closing', 'closed', 'backfill']) AS e;
                DO $$
                DECLARE p record;
                BEGIN
                    FOR p IN SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
                             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class t ON t.oid = i.inhparent
                             WHERE t.relname = 'failure_rollups_minute' AND c.relname LIKE 'failure_rollups_minute_p%'
                    LOOP
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_counts_minute %s', replace(p.relname, 'failure_rollups_minute', 'failure_counts_minute'), p.bound);
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_counts_five_minute %s', replace(p.relname, 'failure_rollups_minute', 'failure_counts_five_minute'), p.bound);
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_counts_hour %s', replace(p.relname, 'failure_rollups_minute', 'failure_counts_hour'), p.bound);
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_counts_day %s', replace(p.relname, 'failure_rollups_minute', 'failure_counts_day'), p.bound);
                    END LOOP;
                END
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION failure_grain(p_from timestamptz, p_to timestamptz) RETURNS text
                LANGUAGE sql IMMUTABLE AS $$
                    SELECT CASE WHEN p_to - p_from <= interval '2 hours' THEN 'minute'
                                WHEN p_to - p_from <= interval '12 hours' THEN 'five_minute'
                                WHEN p_to - p_from <= interval '14 days' THEN 'hour'
                                ELSE 'day' END
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION failure_stats(
                    p_grain text, p_from timestamptz, p_to timestamptz, p_dims integer,
                    p_app text DEFAULT NULL, p_version text DEFAULT NULL, p_platform text DEFAULT NULL, p_hostname text DEFAULT NULL,
                    p_noted_hostname text DEFAULT NULL, p_diagnosis text DEFAULT NULL, p_devices boolean DEFAULT true)
                RETURNS TABLE (bucket timestamptz, app text, version text, platform text, hostname text, noted_hostname text, diagnosis text,
                    reports bigint, duplicates bigint, reports_enforced bigint, reports_report_only bigint,
                    devices bigint, devices_enforced bigint, devices_report_only bigint)
                LANGUAGE plpgsql STABLE
                -- The planner's cost for the live part (estimated from generic row counts) is far above jit_above_cost, and
                -- compiling this query takes seconds; it runs in milliseconds without.
                SET jit = off
                AS $fn$
                DECLARE
                    v_step interval;
                    v_from timestamptz;
                    v_to timestamptz;
                    v_dims integer;
                    v_closed timestamptz;
                    v_stored boolean;
                BEGIN
                    v_step := CASE p_grain WHEN 'minute' THEN interval '1 minute' WHEN 'five_minute' THEN interval '5 minutes'
                                           WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' END;
                    IF v_step IS NULL THEN
                        RAISE EXCEPTION 'failure_stats: unknown grain %', p_grain USING ERRCODE = '22023';
                    END IF;
                    v_from := date_bin(v_step, p_from, timestamptz '2000-01-01 00:00:00+00');
                    v_to := date_bin(v_step, p_to, timestamptz '2000-01-01 00:00:00+00');
                    IF v_to < p_to THEN v_to := v_to + v_step; END IF;
                    IF v_from >= v_to THEN RETURN; END IF;
                    v_dims := (p_dims & 63)
                        | CASE WHEN p_app IS NULL THEN 0 ELSE 1 END | CASE WHEN p_version IS NULL THEN 0 ELSE 2 END
                        | CASE WHEN p_platform IS NULL THEN 0 ELSE 4 END | CASE WHEN p_hostname IS NULL THEN 0 ELSE 8 END
                        | CASE WHEN p_noted_hostname IS NULL THEN 0 ELSE 16 END | CASE WHEN p_diagnosis IS NULL THEN 0 ELSE 32 END;
                    SELECT w.at INTO v_closed FROM rollup_watermarks w WHERE w.edge = 'closed';
                    v_closed := coalesce(v_closed, '-infinity');
                    v_stored := length(replace(v_dims::bit(6)::text, '0', '')) <= CASE WHEN p_grain IN ('minute', 'five_minute') THEN 2 ELSE 6 END;
                    IF p_grain = 'minute' THEN
                        IF p_devices THEN
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_minute c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'r' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2
                ), live_devices AS (

                    SELECT y.b, app, version, platform, hostname, noted_hostname, diagnosis, count(*) AS devices, count(*) FILTER (WHERE y.enf) AS devices_enforced, count(*) FILTER (WHERE y.ro) AS devices_report_only
                    FROM (
                        SELECT x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                        FROM (
                    SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                    WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
                        ) x JOIN s ON s.id = x.series_id
                        GROUP BY x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id
                    ) y
                    GROUP BY y.b, app, version, platform, hostname, noted_hostname, diagnosis
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_minute c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis
                    UNION ALL
                    SELECT ld.b, ld.app, ld.version, ld.platform, ld.hostname, ld.noted_hostname, ld.diagnosis, 0, 0, 0, 0, ld.devices, ld.devices_enforced, ld.devices_report_only FROM live_devices ld
                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        ELSE
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_minute c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'r' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_minute c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis

                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        END IF;
                    END IF;
                    IF p_grain = 'five_minute' THEN
                        IF p_devices THEN
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_five_minute c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'r' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2
                ), live_devices AS (

                    SELECT y.b, app, version, platform, hostname, noted_hostname, diagnosis, count(*) AS devices, count(*) FILTER (WHERE y.enf) AS devices_enforced, count(*) FILTER (WHERE y.ro) AS devices_report_only
                    FROM (
                        SELECT x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                        FROM (
                    SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                    WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
                        ) x JOIN s ON s.id = x.series_id
                        GROUP BY x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id
                    ) y
                    GROUP BY y.b, app, version, platform, hostname, noted_hostname, diagnosis
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_five_minute c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis
                    UNION ALL
                    SELECT ld.b, ld.app, ld.version, ld.platform, ld.hostname, ld.noted_hostname, ld.diagnosis, 0, 0, 0, 0, ld.devices, ld.devices_enforced, ld.devices_report_only FROM live_devices ld
                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        ELSE
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_five_minute c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'r' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_five_minute c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis

                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        END IF;
                    END IF;
                    IF p_grain = 'hour' THEN
                        IF p_devices THEN
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_hour c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'p' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    -- partial: the minutes not folded yet
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= greatest(b.b, $11) AND r.bucket < b.e
                    WHERE b.mode = 'p' AND r.bucket >= $1 AND r.bucket < $2
                    UNION ALL
                    -- recount: clean closed hours from the hour rollups (the closer recomputes an hour whenever it folds
                    -- a minute of it), every other minute from the minute rollups
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_hour r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2 AND r.bucket + interval '1 hour' <= $11
                      AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= r.bucket AND d.minute < r.bucket + interval '1 hour')
                    UNION ALL
                    SELECT h.b, r.series_id, r.reports, r.duplicates
                    FROM (
                        SELECT b.b, hh.h FROM b CROSS JOIN LATERAL generate_series(b.b, b.e - interval '1 hour', interval '1 hour') AS hh (h)
                        WHERE b.mode = 'r' AND (hh.h + interval '1 hour' > $11
                            OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= hh.h AND d.minute < hh.h + interval '1 hour'))
                    ) h
                    JOIN failure_rollups_minute r ON r.bucket >= h.h AND r.bucket < h.h + interval '1 hour'
                    WHERE r.bucket >= $1 AND r.bucket < $2
                ), live_devices AS (
                    SELECT n.b, n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis,
                           count(*) FILTER (WHERE NOT n.had) AS devices,
                           count(*) FILTER (WHERE n.enf AND NOT n.had_enf) AS devices_enforced,
                           count(*) FILTER (WHERE n.ro AND NOT n.had_ro) AS devices_report_only
                    FROM (
                        -- Did the bucket's folded set already hold the device for the group (any, enforced, report-only
                        -- series of it)? One probe each on (bucket, device_id), filtered to the group's series.
                        SELECT n.*,
                               EXISTS (SELECT 1 FROM failure_devices_hour x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.ids)) AS had,
                               EXISTS (SELECT 1 FROM failure_devices_hour x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.enforced_ids)) AS had_enf,
                               EXISTS (SELECT 1 FROM failure_devices_hour x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.report_only_ids)) AS had_ro
                        FROM (
                            SELECT b.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, m.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                            FROM b JOIN failure_devices_minute m ON m.bucket >= greatest(b.b, $11) AND m.bucket < b.e
                            JOIN s ON s.id = m.series_id
                            WHERE b.mode = 'p' AND m.bucket >= $1 AND m.bucket < $2
                            GROUP BY b.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, m.device_id
                        ) n
                        JOIN grp gr ON (gr.app, gr.version, gr.platform, gr.hostname, gr.noted_hostname, gr.diagnosis) = (n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis)
                    ) n
                    GROUP BY n.b, n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis
                    UNION ALL
                    SELECT y.b, app, version, platform, hostname, noted_hostname, diagnosis, count(*) AS devices, count(*) FILTER (WHERE y.enf) AS devices_enforced, count(*) FILTER (WHERE y.ro) AS devices_report_only
                    FROM (
                        SELECT x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                        FROM (
                    SELECT b.b, d.series_id, d.device_id FROM b JOIN failure_devices_hour d ON d.bucket = b.b
                    WHERE b.mode = 'r' AND d.bucket >= $1 AND d.bucket < $2
                    UNION ALL
                    SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                    WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
                      AND (m.bucket >= $11 OR m.bucket IN (SELECT minute FROM dirty))
                        ) x JOIN s ON s.id = x.series_id
                        GROUP BY x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id
                    ) y
                    GROUP BY y.b, app, version, platform, hostname, noted_hostname, diagnosis
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_hour c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis
                    UNION ALL
                    SELECT ld.b, ld.app, ld.version, ld.platform, ld.hostname, ld.noted_hostname, ld.diagnosis, 0, 0, 0, 0, ld.devices, ld.devices_enforced, ld.devices_report_only FROM live_devices ld
                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        ELSE
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_hour c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'p' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    -- partial: the minutes not folded yet
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= greatest(b.b, $11) AND r.bucket < b.e
                    WHERE b.mode = 'p' AND r.bucket >= $1 AND r.bucket < $2
                    UNION ALL
                    -- recount: clean closed hours from the hour rollups (the closer recomputes an hour whenever it folds
                    -- a minute of it), every other minute from the minute rollups
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_hour r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2 AND r.bucket + interval '1 hour' <= $11
                      AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= r.bucket AND d.minute < r.bucket + interval '1 hour')
                    UNION ALL
                    SELECT h.b, r.series_id, r.reports, r.duplicates
                    FROM (
                        SELECT b.b, hh.h FROM b CROSS JOIN LATERAL generate_series(b.b, b.e - interval '1 hour', interval '1 hour') AS hh (h)
                        WHERE b.mode = 'r' AND (hh.h + interval '1 hour' > $11
                            OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= hh.h AND d.minute < hh.h + interval '1 hour'))
                    ) h
                    JOIN failure_rollups_minute r ON r.bucket >= h.h AND r.bucket < h.h + interval '1 hour'
                    WHERE r.bucket >= $1 AND r.bucket < $2
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_hour c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis

                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        END IF;
                    END IF;
                    IF p_grain = 'day' THEN
                        IF p_devices THEN
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_day c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'p' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    -- partial: the minutes not folded yet
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= greatest(b.b, $11) AND r.bucket < b.e
                    WHERE b.mode = 'p' AND r.bucket >= $1 AND r.bucket < $2
                    UNION ALL
                    -- recount: clean closed hours from the hour rollups (the closer recomputes an hour whenever it folds
                    -- a minute of it), every other minute from the minute rollups
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_hour r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2 AND r.bucket + interval '1 hour' <= $11
                      AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= r.bucket AND d.minute < r.bucket + interval '1 hour')
                    UNION ALL
                    SELECT h.b, r.series_id, r.reports, r.duplicates
                    FROM (
                        SELECT b.b, hh.h FROM b CROSS JOIN LATERAL generate_series(b.b, b.e - interval '1 hour', interval '1 hour') AS hh (h)
                        WHERE b.mode = 'r' AND (hh.h + interval '1 hour' > $11
                            OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= hh.h AND d.minute < hh.h + interval '1 hour'))
                    ) h
                    JOIN failure_rollups_minute r ON r.bucket >= h.h AND r.bucket < h.h + interval '1 hour'
                    WHERE r.bucket >= $1 AND r.bucket < $2
                ), live_devices AS (
                    SELECT n.b, n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis,
                           count(*) FILTER (WHERE NOT n.had) AS devices,
                           count(*) FILTER (WHERE n.enf AND NOT n.had_enf) AS devices_enforced,
                           count(*) FILTER (WHERE n.ro AND NOT n.had_ro) AS devices_report_only
                    FROM (
                        -- Did the bucket's folded set already hold the device for the group (any, enforced, report-only
                        -- series of it)? One probe each on (bucket, device_id), filtered to the group's series.
                        SELECT n.*,
                               EXISTS (SELECT 1 FROM failure_devices_day x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.ids)) AS had,
                               EXISTS (SELECT 1 FROM failure_devices_day x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.enforced_ids)) AS had_enf,
                               EXISTS (SELECT 1 FROM failure_devices_day x WHERE x.bucket = n.b AND x.device_id = n.device_id AND x.series_id = ANY (gr.report_only_ids)) AS had_ro
                        FROM (
                            SELECT b.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, m.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                            FROM b JOIN failure_devices_minute m ON m.bucket >= greatest(b.b, $11) AND m.bucket < b.e
                            JOIN s ON s.id = m.series_id
                            WHERE b.mode = 'p' AND m.bucket >= $1 AND m.bucket < $2
                            GROUP BY b.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, m.device_id
                        ) n
                        JOIN grp gr ON (gr.app, gr.version, gr.platform, gr.hostname, gr.noted_hostname, gr.diagnosis) = (n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis)
                    ) n
                    GROUP BY n.b, n.app, n.version, n.platform, n.hostname, n.noted_hostname, n.diagnosis
                    UNION ALL
                    SELECT y.b, app, version, platform, hostname, noted_hostname, diagnosis, count(*) AS devices, count(*) FILTER (WHERE y.enf) AS devices_enforced, count(*) FILTER (WHERE y.ro) AS devices_report_only
                    FROM (
                        SELECT x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id, bool_or(s.enforce = 1) AS enf, bool_or(s.enforce = 0) AS ro
                        FROM (
                    SELECT b.b, d.series_id, d.device_id FROM b JOIN failure_devices_day d ON d.bucket = b.b
                    WHERE b.mode = 'r' AND d.bucket >= $1 AND d.bucket < $2
                    UNION ALL
                    SELECT b.b, m.series_id, m.device_id FROM b JOIN failure_devices_minute m ON m.bucket >= b.b AND m.bucket < b.e
                    WHERE b.mode = 'r' AND m.bucket >= $1 AND m.bucket < $2
                      AND (m.bucket >= $11 OR m.bucket IN (SELECT minute FROM dirty))
                        ) x JOIN s ON s.id = x.series_id
                        GROUP BY x.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, x.device_id
                    ) y
                    GROUP BY y.b, app, version, platform, hostname, noted_hostname, diagnosis
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_day c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis
                    UNION ALL
                    SELECT ld.b, ld.app, ld.version, ld.platform, ld.hostname, ld.noted_hostname, ld.diagnosis, 0, 0, 0, 0, ld.devices, ld.devices_enforced, ld.devices_report_only FROM live_devices ld
                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        ELSE
                            RETURN QUERY EXECUTE $q$WITH s AS MATERIALIZED (
                    SELECT f.id, f.enforce, CASE WHEN $4 & 1 <> 0 THEN f.app ELSE '' END AS app, CASE WHEN $4 & 2 <> 0 THEN f.version ELSE '' END AS version, CASE WHEN $4 & 4 <> 0 THEN f.platform ELSE '' END AS platform, CASE WHEN $4 & 8 <> 0 THEN f.hostname ELSE '' END AS hostname, CASE WHEN $4 & 16 <> 0 THEN f.noted_hostname ELSE '' END AS noted_hostname, CASE WHEN $4 & 32 <> 0 THEN f.diagnosis ELSE '' END AS diagnosis
                    FROM failure_series f
                    WHERE ($5::text IS NULL OR f.app = $5) AND ($6::text IS NULL OR f.version = $6) AND ($7::text IS NULL OR f.platform = $7) AND ($8::text IS NULL OR f.hostname = $8) AND ($9::text IS NULL OR f.noted_hostname = $9) AND ($10::text IS NULL OR f.diagnosis = $10)
                ), grp AS MATERIALIZED (
                    SELECT app, version, platform, hostname, noted_hostname, diagnosis, array_agg(id) AS ids, array_agg(id) FILTER (WHERE enforce = 1) AS enforced_ids,
                           array_agg(id) FILTER (WHERE enforce = 0) AS report_only_ids
                    FROM s GROUP BY app, version, platform, hostname, noted_hostname, diagnosis
                ), dirty AS MATERIALIZED (
                    SELECT minute FROM rollup_dirty_minutes WHERE minute >= $1 AND minute < $2
                ), b AS MATERIALIZED (
                    SELECT g.b, g.b + $3 AS e,
                           CASE WHEN EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= g.b AND d.minute < g.b + $3) THEN 'r'
                                WHEN $12 AND g.b < $11 AND EXISTS (SELECT 1 FROM failure_counts_day c WHERE c.bucket = g.b AND c.dims = 0)
                                    THEN CASE WHEN g.b + $3 <= $11 THEN 's' ELSE 'p' END
                                ELSE 'r' END AS mode
                    FROM generate_series($1, $2 - $3, $3) AS g (b)
                ), live_counts AS (
                    -- partial: the minutes not folded yet
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_minute r ON r.bucket >= greatest(b.b, $11) AND r.bucket < b.e
                    WHERE b.mode = 'p' AND r.bucket >= $1 AND r.bucket < $2
                    UNION ALL
                    -- recount: clean closed hours from the hour rollups (the closer recomputes an hour whenever it folds
                    -- a minute of it), every other minute from the minute rollups
                    SELECT b.b, r.series_id, r.reports, r.duplicates
                    FROM b JOIN failure_rollups_hour r ON r.bucket >= b.b AND r.bucket < b.e
                    WHERE b.mode = 'r' AND r.bucket >= $1 AND r.bucket < $2 AND r.bucket + interval '1 hour' <= $11
                      AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= r.bucket AND d.minute < r.bucket + interval '1 hour')
                    UNION ALL
                    SELECT h.b, r.series_id, r.reports, r.duplicates
                    FROM (
                        SELECT b.b, hh.h FROM b CROSS JOIN LATERAL generate_series(b.b, b.e - interval '1 hour', interval '1 hour') AS hh (h)
                        WHERE b.mode = 'r' AND (hh.h + interval '1 hour' > $11
                            OR EXISTS (SELECT 1 FROM dirty d WHERE d.minute >= hh.h AND d.minute < hh.h + interval '1 hour'))
                    ) h
                    JOIN failure_rollups_minute r ON r.bucket >= h.h AND r.bucket < h.h + interval '1 hour'
                    WHERE r.bucket >= $1 AND r.bucket < $2
                )
                SELECT u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis,
                       sum(u.reports)::bigint, sum(u.duplicates)::bigint, sum(u.reports_enforced)::bigint, sum(u.reports_report_only)::bigint,
                       sum(u.devices)::bigint, sum(u.devices_enforced)::bigint, sum(u.devices_report_only)::bigint
                FROM (
                    SELECT c.bucket AS b, c.app, c.version, c.platform, c.hostname, c.noted_hostname, c.diagnosis, c.reports, c.duplicates, c.reports_enforced, c.reports_report_only,
                           c.devices, c.devices_enforced, c.devices_report_only
                    FROM b JOIN failure_counts_day c ON c.bucket = b.b AND c.dims = $4
                    WHERE b.mode IN ('s', 'p') AND c.bucket >= $1 AND c.bucket < $2 AND ($5::text IS NULL OR c.app = $5) AND ($6::text IS NULL OR c.version = $6) AND ($7::text IS NULL OR c.platform = $7) AND ($8::text IS NULL OR c.hostname = $8) AND ($9::text IS NULL OR c.noted_hostname = $9) AND ($10::text IS NULL OR c.diagnosis = $10)
                    UNION ALL
                    SELECT lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis, sum(lc.reports), sum(lc.duplicates),
                           coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 1), 0), coalesce(sum(lc.reports) FILTER (WHERE s.enforce = 0), 0),
                           0, 0, 0
                    FROM live_counts lc JOIN s ON s.id = lc.series_id
                    GROUP BY lc.b, s.app, s.version, s.platform, s.hostname, s.noted_hostname, s.diagnosis

                ) AS u (b, app, version, platform, hostname, noted_hostname, diagnosis, reports, duplicates, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only)
                GROUP BY u.b, u.app, u.version, u.platform, u.hostname, u.noted_hostname, u.diagnosis$q$
                            USING v_from, v_to, v_step, v_dims, p_app, p_version, p_platform, p_hostname, p_noted_hostname, p_diagnosis, v_closed, v_stored;
                        END IF;
                    END IF;

                END
                $fn$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The previous release maintains the hour and day grains itself; minutes folded by the closer are kept.
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS failure_stats(text, timestamptz, timestamptz, integer, text, text, text, text, text, text, boolean);
                DROP FUNCTION IF EXISTS failure_grain(timestamptz, timestamptz);
                DROP FUNCTION IF EXISTS failure_seen_series(timestamptz, timestamptz);
                DROP INDEX IF EXISTS ix_failure_devices_hour_device;
                DROP INDEX IF EXISTS ix_failure_devices_day_device;
                DROP TABLE IF EXISTS rollup_watermarks;
                DROP TABLE IF EXISTS rollup_dirty_minutes;
                DROP TABLE IF EXISTS failure_counts_minute;
                DROP TABLE IF EXISTS failure_counts_five_minute;
                DROP TABLE IF EXISTS failure_counts_hour;
                DROP TABLE IF EXISTS failure_counts_day;
                """);
        }
    }
}
