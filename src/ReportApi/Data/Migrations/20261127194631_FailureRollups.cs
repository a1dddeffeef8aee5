using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class FailureRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "app_activity",
                columns: table => new
                {
                    app = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<string>(type: "text", nullable: false),
                    platform = table.Column<string>(type: "text", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    active_devices = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_app_activity", x => new { x.app, x.version, x.platform, x.day });
                });

            migrationBuilder.CreateTable(
                name: "failure_series",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    app = table.Column<string>(type: "text", nullable: false),
                    version = table.Column<string>(type: "text", nullable: false),
                    platform = table.Column<string>(type: "text", nullable: false),
                    noted_hostname = table.Column<string>(type: "text", nullable: false),
                    hostname = table.Column<string>(type: "text", nullable: false),
                    diagnosis = table.Column<string>(type: "text", nullable: false),
                    enforce = table.Column<short>(type: "smallint", nullable: false),
                    first_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_failure_series", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_failure_series_app_version_platform_noted_hostname_hostname",
                table: "failure_series",
                columns: new[] { "app", "version", "platform", "noted_hostname", "hostname", "diagnosis", "enforce" },
                unique: true);

            // Hand-written: the partitioned rollup and device-set tables (see RollupSchemaSql for the representation).
            migrationBuilder.Sql(RollupSchemaSql.Create);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(RollupSchemaSql.Drop);

            migrationBuilder.DropTable(
                name: "app_activity");

            migrationBuilder.DropTable(
                name: "failure_series");
        }
    }
}
