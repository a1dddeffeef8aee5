using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "certificate_chains",
                columns: table => new
                {
                    fingerprint = table.Column<byte[]>(type: "bytea", nullable: false),
                    certificate_count = table.Column<int>(type: "integer", nullable: false),
                    certificates = table.Column<string>(type: "jsonb", nullable: false),
                    leaf_subject = table.Column<string>(type: "text", nullable: true),
                    leaf_issuer = table.Column<string>(type: "text", nullable: true),
                    leaf_spki_sha256 = table.Column<string>(type: "text", nullable: true),
                    leaf_not_after = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    first_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_certificate_chains", x => x.fingerprint);
                });

            migrationBuilder.CreateTable(
                name: "pin_sets",
                columns: table => new
                {
                    fingerprint = table.Column<byte[]>(type: "bytea", nullable: false),
                    pins = table.Column<string[]>(type: "text[]", nullable: false),
                    sha256pins = table.Column<string[]>(type: "text[]", nullable: false),
                    malformed_count = table.Column<int>(type: "integer", nullable: false),
                    first_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_sets", x => x.fingerprint);
                });

            migrationBuilder.CreateTable(
                name: "report_dedup",
                columns: table => new
                {
                    dedup_key = table.Column<byte[]>(type: "bytea", nullable: false),
                    last_stored_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_report_dedup", x => x.dedup_key);
                });

            // Hand-written: EF cannot declare a partitioned table. The columns match the model (snapshot unchanged);
            // partitions (one per UTC day) are created by the service ahead of time, and retention drops them whole.
            migrationBuilder.Sql("""
                CREATE TABLE reports (
                    id uuid NOT NULL,
                    received_at timestamp with time zone NOT NULL,
                    dialect text NOT NULL,
                    hostname text NOT NULL,
                    noted_hostname text NOT NULL,
                    port integer NULL,
                    include_subdomains boolean NULL,
                    enforce_pinning boolean NULL,
                    validation_result integer NULL,
                    app_bundle_id text NULL,
                    app_version text NULL,
                    app_platform text NULL,
                    app_platform_version text NULL,
                    trust_kit_version text NULL,
                    device_hash bytea NULL,
                    date_time_raw text NULL,
                    client_time timestamp with time zone NULL,
                    client_time_quality text NOT NULL,
                    known_pins_expiration_date date NULL,
                    effective_expiration_date timestamp with time zone NULL,
                    validated_chain_fingerprint bytea NOT NULL,
                    served_chain_fingerprint bytea NULL,
                    pin_set_fingerprint bytea NOT NULL,
                    dedup_key bytea NOT NULL,
                    diagnosis text NOT NULL,
                    raw jsonb NOT NULL,
                    CONSTRAINT pk_reports PRIMARY KEY (id, received_at)
                ) PARTITION BY RANGE (received_at);
                """);

            migrationBuilder.CreateIndex(
                name: "ix_report_dedup_last_stored_at",
                table: "report_dedup",
                column: "last_stored_at");

            migrationBuilder.CreateIndex(
                name: "ix_reports_app_bundle_id_app_version_received_at",
                table: "reports",
                columns: new[] { "app_bundle_id", "app_version", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_reports_device_hash",
                table: "reports",
                column: "device_hash");

            migrationBuilder.CreateIndex(
                name: "ix_reports_noted_hostname_received_at",
                table: "reports",
                columns: new[] { "noted_hostname", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_reports_received_at",
                table: "reports",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "certificate_chains");

            migrationBuilder.DropTable(
                name: "pin_sets");

            migrationBuilder.DropTable(
                name: "report_dedup");

            migrationBuilder.DropTable(
                name: "reports");
        }
    }
}
