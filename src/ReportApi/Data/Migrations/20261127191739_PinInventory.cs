using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class PinInventory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "pin_inventory",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    app_bundle_id = table.Column<string>(type: "text", nullable: true),
                    app_version = table.Column<string>(type: "text", nullable: true),
                    app_platform = table.Column<string>(type: "text", nullable: true),
                    noted_hostname = table.Column<string>(type: "text", nullable: false),
                    pin_set_fingerprint = table.Column<byte[]>(type: "bytea", nullable: false),
                    include_subdomains = table.Column<bool>(type: "boolean", nullable: false),
                    enforce_pinning = table.Column<bool>(type: "boolean", nullable: false),
                    known_pins_expiration_date = table.Column<DateOnly>(type: "date", nullable: true),
                    first_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reports = table.Column<long>(type: "bigint", nullable: false),
                    devices = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_inventory", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "pin_inventory_state",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    watermark = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_inventory_state", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "pin_inventory_devices",
                columns: table => new
                {
                    inventory_id = table.Column<long>(type: "bigint", nullable: false),
                    device_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    first_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_inventory_devices", x => new { x.inventory_id, x.device_hash });
                    table.ForeignKey(
                        name: "fk_pin_inventory_devices_pin_inventory_inventory_id",
                        column: x => x.inventory_id,
                        principalTable: "pin_inventory",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_pin_inventory_app_bundle_id_app_version_app_platform_noted_",
                table: "pin_inventory",
                columns: new[] { "app_bundle_id", "app_version", "app_platform", "noted_hostname", "pin_set_fingerprint" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "ix_pin_inventory_last_seen",
                table: "pin_inventory",
                column: "last_seen");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pin_inventory_devices");

            migrationBuilder.DropTable(
                name: "pin_inventory_state");

            migrationBuilder.DropTable(
                name: "pin_inventory");
        }
    }
}
