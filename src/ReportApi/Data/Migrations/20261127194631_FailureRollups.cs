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

            // Hand-written (EF cannot declare partitioned tables): the rollup and device-set tables at three grains, each
            // range-partitioned by bucket with one partition per UTC day, so retention drops them like reports. Distinct
            // devices are exact device sets, one row per (bucket, series, device); device_id is the first 8 bytes of the
            // device HMAC. No foreign key to failure_series: the writer resolves series ids in the same transaction.
            // The SQL is a literal as the migration first ran it: a migration never calls live code, so editing the live
            // SQL cannot change what an old migration does (docs/decisions/0012-migrations-carry-their-own-sql.md).
            migrationBuilder.Sql("""
                CREATE TABLE failure_rollups_minute (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    reports integer NOT NULL,
                    duplicates integer NOT NULL,
                    devices integer NOT NULL,
                    CONSTRAINT pk_failure_rollups_minute PRIMARY KEY (bucket, series_id)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_devices_minute (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    device_id bigint NOT NULL,
                    CONSTRAINT pk_failure_devices_minute PRIMARY KEY (bucket, series_id, device_id)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_rollups_hour (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    reports integer NOT NULL,
                    duplicates integer NOT NULL,
                    devices integer NOT NULL,
                    CONSTRAINT pk_failure_rollups_hour PRIMARY KEY (bucket, series_id)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_devices_hour (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    device_id bigint NOT NULL,
                    CONSTRAINT pk_failure_devices_hour PRIMARY KEY (bucket, series_id, device_id)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_rollups_day (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    reports integer NOT NULL,
                    duplicates integer NOT NULL,
                    devices integer NOT NULL,
                    CONSTRAINT pk_failure_rollups_day PRIMARY KEY (bucket, series_id)
                ) PARTITION BY RANGE (bucket);
                CREATE TABLE failure_devices_day (
                    bucket timestamp with time zone NOT NULL,
                    series_id integer NOT NULL,
                    device_id bigint NOT NULL,
                    CONSTRAINT pk_failure_devices_day PRIMARY KEY (bucket, series_id, device_id)
                ) PARTITION BY RANGE (bucket);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE IF EXISTS failure_rollups_minute;
                DROP TABLE IF EXISTS failure_rollups_hour;
                DROP TABLE IF EXISTS failure_rollups_day;
                DROP TABLE IF EXISTS failure_devices_minute;
                DROP TABLE IF EXISTS failure_devices_hour;
                DROP TABLE IF EXISTS failure_devices_day;
                """);

            migrationBuilder.DropTable(
                name: "app_activity");

            migrationBuilder.DropTable(
                name: "failure_series");
        }
    }
}
