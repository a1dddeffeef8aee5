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

            migrationBuilder.Sql(EvidenceSchemaSql.CreateNetworks);
            migrationBuilder.Sql(EvidenceSchemaSql.BackfillNetworkPartitions);
            migrationBuilder.Sql(EvidenceSchemaSql.CreateScopeRejections);
            migrationBuilder.Sql(EvidenceSchemaSql.CreateSeriesFirstSeenIndex);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(EvidenceSchemaSql.Drop);
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
