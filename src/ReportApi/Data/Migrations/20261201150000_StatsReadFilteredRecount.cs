using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class StatsReadFilteredRecount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue #12, hand-written, no change to the EF model or to any table: failure_stats reads only the filtered
            // series' minute rows when it recounts (a Grafana drill-down to one app and version at 1m/5m).
            migrationBuilder.Sql(ServingSchemaSql.CreateStatsFunction);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The function's signature and answers are unchanged; the faster body is harmless to the previous release.
        }
    }
}
