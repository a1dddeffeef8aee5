using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class FailureSeenSeries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Issue #12, hand-written, no change to the EF model or to any table: failure_seen_series, the series that
            // failed in a window (for the failure-rate denominators), read from the coarsest rollups that hold them.
            migrationBuilder.Sql(ServingSchemaSql.CreateSeenSeriesFunction);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The previous release does not call it.
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS failure_seen_series(timestamptz, timestamptz);");
        }
    }
}
