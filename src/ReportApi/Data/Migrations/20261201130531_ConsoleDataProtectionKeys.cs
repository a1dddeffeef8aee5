using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// The console's data-protection key ring (issue #17), shared by every replica. A raw table outside the EF model:
    /// only <c>DataProtectionKeys</c> reads and writes it. Grafana's read-only role is kept out of it.
    /// </summary>
    public partial class ConsoleDataProtectionKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS data_protection_keys (
                    friendly_name text PRIMARY KEY,
                    xml text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                DO $$
                BEGIN
                    -- Whoever holds these keys can forge console sessions: Grafana's read-only role must not read them.
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pinreports_grafana') THEN
                        REVOKE ALL ON data_protection_keys FROM pinreports_grafana;
                    END IF;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS data_protection_keys");
        }
    }
}
