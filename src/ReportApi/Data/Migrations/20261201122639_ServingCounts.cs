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
            migrationBuilder.Sql(ServingSchemaSql.CreateTables);
            migrationBuilder.Sql(ServingSchemaSql.InitialiseWatermarks);
            migrationBuilder.Sql(ServingSchemaSql.CreateGrainFunction);
            migrationBuilder.Sql(ServingSchemaSql.CreateStatsFunction);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The previous release maintains the hour and day grains itself; minutes folded by the closer are kept.
            migrationBuilder.Sql(ServingSchemaSql.Drop);
        }
    }
}
