using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue #22: alerts may be 'suspicious' (spiking from too few networks, never paged) and carry their network count;
    /// the minute network sets (partitioned by day, partitions for every existing day), the out-of-scope tally and the
    /// index the per-hour series caps count with. Existing alerts and rollups are untouched.
    /// </summary>
    public partial class ForgedReportDefences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_alerts_open_series_key",
                table: "alerts");

            migrationBuilder.DropCheckConstraint(
                name: "ck_alerts_status",
                table: "alerts");

            migrationBuilder.AddColumn<int>(
                name: "window_networks",
                table: "alerts",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ux_alerts_open_series_key",
                table: "alerts",
                column: "series_key",
                unique: true,
                filter: "status IN ('pending', 'firing', 'acknowledged', 'suspicious')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_alerts_status",
                table: "alerts",
                sql: "status IN ('pending', 'firing', 'acknowledged', 'suspicious', 'resolved')");

            migrationBuilder.Sql("""
                CREATE TABLE failure_networks_minute (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    network_id bigint NOT NULL,
                    CONSTRAINT pk_failure_networks_minute PRIMARY KEY (bucket, series_id, network_id)
                ) PARTITION BY RANGE (bucket);
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
                        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF failure_networks_minute FOR VALUES FROM (%L) TO (%L)',
                            'failure_networks_minute_p' || to_char(day, 'YYYYMMDD'), day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
                    END LOOP;
                END $$;
                """);
            migrationBuilder.Sql("""
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
                """);
            migrationBuilder.Sql("CREATE INDEX ix_failure_series_first_seen_at ON failure_series (first_seen_at);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX IF EXISTS ix_failure_series_first_seen_at;
                DROP TABLE IF EXISTS scope_rejections;
                DROP TABLE IF EXISTS failure_networks_minute;
                """);
            // The previous release knows no suspicious state: a suspicious alert is closed (it never paged anyone).
            migrationBuilder.Sql("UPDATE alerts SET status = 'resolved', resolved_at = coalesce(resolved_at, last_evaluated_at), state = jsonb_set(state, '{status}', '\"resolved\"') WHERE status = 'suspicious'");

            migrationBuilder.DropIndex(
                name: "ux_alerts_open_series_key",
                table: "alerts");

            migrationBuilder.DropCheckConstraint(
                name: "ck_alerts_status",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "window_networks",
                table: "alerts");

            migrationBuilder.CreateIndex(
                name: "ux_alerts_open_series_key",
                table: "alerts",
                column: "series_key",
                unique: true,
                filter: "status IN ('pending', 'firing', 'acknowledged')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_alerts_status",
                table: "alerts",
                sql: "status IN ('pending', 'firing', 'acknowledged', 'resolved')");
        }
    }
}
