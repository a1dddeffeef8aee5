using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue #12, alert evaluation at 10,000 series: the evaluator stores the distinct-device counts per series level of
    /// each closed comparable window once (<c>alert_baseline_counts</c>, with a row in <c>alert_baseline_windows</c> saying
    /// the window is complete), instead of recounting 21 windows every minute; late minutes the rollup closer recounts are
    /// forwarded to <c>alert_dirty_minutes</c> so the evaluator drops the windows that held them. New tables only, as raw
    /// SQL outside the EF model (the model snapshot does not change); partitioned by UTC day of the window's start like the
    /// minute device sets, with a partition for every day those already have, so retention drops them together.
    /// </summary>
    public partial class AlertBaselineWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE alert_baseline_windows (
                    window_start timestamp with time zone NOT NULL,
                    window_minutes smallint NOT NULL,
                    counted_at timestamp with time zone NOT NULL,
                    CONSTRAINT pk_alert_baseline_windows PRIMARY KEY (window_start, window_minutes)
                ) PARTITION BY RANGE (window_start);
                CREATE TABLE alert_baseline_counts (
                    window_start timestamp with time zone NOT NULL,
                    window_minutes smallint NOT NULL,
                    level text NOT NULL,
                    app text NULL,
                    version text NULL,
                    noted_hostname text NULL,
                    members integer NOT NULL
                ) PARTITION BY RANGE (window_start);
                CREATE INDEX ix_alert_baseline_counts_window ON alert_baseline_counts (window_start, window_minutes);
                CREATE TABLE alert_dirty_minutes (
                    minute timestamp with time zone NOT NULL CONSTRAINT pk_alert_dirty_minutes PRIMARY KEY
                );
                """);
            migrationBuilder.Sql("""
                DO $$
                DECLARE part record; day date; t text;
                BEGIN
                    FOR part IN
                        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                        WHERE p.relname = 'failure_devices_minute' AND c.relname ~ '^failure_devices_minute_p[0-9]{8}$'
                    LOOP
                        day := to_date(right(part.relname, 8), 'YYYYMMDD');
                        FOREACH t IN ARRAY ARRAY['alert_baseline_windows', 'alert_baseline_counts'] LOOP
                            EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                                t || '_p' || to_char(day, 'YYYYMMDD'), t, day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
                        END LOOP;
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
                DROP TABLE IF EXISTS alert_baseline_windows;
                """);
        }
    }
}
