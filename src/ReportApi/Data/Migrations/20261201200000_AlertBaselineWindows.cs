using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue #12, alert evaluation at 10,000 series: the evaluator stores the distinct-device counts per series level of
    /// each closed comparable window once (<c>alert_baseline_counts</c>, one row per window, groups named in
    /// <c>alert_baseline_groups</c>) instead of recounting 21 windows every minute; late minutes the rollup closer recounts
    /// are forwarded to <c>alert_dirty_minutes</c> so the evaluator drops the windows that held them. New tables only, as
    /// raw SQL outside the EF model (the model snapshot does not change); the counts are partitioned by UTC day of the
    /// window's start like the minute device sets, with a partition for every day those already have, so retention drops
    /// them together.
    /// </summary>
    public partial class AlertBaselineWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // One row per stored window: the counts of every group that failed in it, as parallel arrays of group ids and
            // distinct devices (21 rows a minute to read instead of one per group and window). The groups are names only.
            migrationBuilder.Sql("""
                CREATE TABLE alert_baseline_groups (
                    id integer GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_alert_baseline_groups PRIMARY KEY,
                    level text NOT NULL,
                    app text NOT NULL,
                    version text NOT NULL,
                    noted_hostname text NOT NULL,
                    CONSTRAINT ux_alert_baseline_groups UNIQUE (level, app, version, noted_hostname)
                );
                CREATE TABLE alert_baseline_counts (
                    window_start timestamp with time zone NOT NULL,
                    window_minutes smallint NOT NULL,
                    counted_at timestamp with time zone NOT NULL,
                    group_ids integer[] NOT NULL,
                    members integer[] NOT NULL,
                    CONSTRAINT pk_alert_baseline_counts PRIMARY KEY (window_start, window_minutes)
                ) PARTITION BY RANGE (window_start);
                CREATE TABLE alert_dirty_minutes (
                    minute timestamp with time zone NOT NULL CONSTRAINT pk_alert_dirty_minutes PRIMARY KEY
                );
                """);
            migrationBuilder.Sql("""
                DO $$
                DECLARE part record; day date;
                BEGIN
                    FOR part IN
                        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                        WHERE p.relname = 'failure_devices_minute' AND c.relname ~ '^failure_devices_minute_p[0-9]{8}$'
                    LOOP
                        day := to_date(right(part.relname, 8), 'YYYYMMDD');
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF alert_baseline_counts FOR VALUES FROM (%L) TO (%L)',
                            'alert_baseline_counts_p' || to_char(day, 'YYYYMMDD'), day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
                    END LOOP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE IF EXISTS alert_dirty_minutes;
                DROP TABLE IF EXISTS alert_baseline_counts;
                DROP TABLE IF EXISTS alert_baseline_groups;
                """);
        }
    }
}
