using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue #15: the chain each pinned host serves now (<c>live</c>) and the one it will serve from a date
    /// (<c>planned</c>), one row per host and kind, and an append-only history of who recorded or withdrew which chain
    /// when. New tables only, as raw SQL outside the EF model (read and written with Npgsql, like the rollups), so the
    /// model snapshot does not change and parallel migrations merge without conflict.
    /// </summary>
    public partial class HostChains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // keys: the SPKI SHA-256 pins the chain offered devices when recorded (its certificates plus the trust-store
            // root it built to), so Grafana can compare them with pin_sets in SQL. The service re-derives them from pem.
            migrationBuilder.Sql("""
                CREATE TABLE host_chains (
                    hostname text NOT NULL,
                    kind text NOT NULL CONSTRAINT ck_host_chains_kind CHECK (kind IN ('live', 'planned')),
                    effective_from date NULL,
                    pem text NOT NULL,
                    fingerprint text NOT NULL,
                    keys text[] NOT NULL,
                    recorded_by text NOT NULL,
                    recorded_at timestamptz NOT NULL,
                    CONSTRAINT pk_host_chains PRIMARY KEY (hostname, kind),
                    CONSTRAINT ck_host_chains_planned_date CHECK ((kind = 'planned') = (effective_from IS NOT NULL))
                );
                CREATE TABLE host_chain_history (
                    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_host_chain_history PRIMARY KEY,
                    hostname text NOT NULL,
                    kind text NOT NULL,
                    action text NOT NULL CONSTRAINT ck_host_chain_history_action CHECK (action IN ('recorded', 'withdrawn', 'fulfilled')),
                    effective_from date NULL,
                    pem text NULL,
                    fingerprint text NULL,
                    recorded_by text NOT NULL,
                    recorded_at timestamptz NOT NULL
                );
                CREATE INDEX ix_host_chain_history_hostname ON host_chain_history (hostname, id DESC);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE host_chain_history;
                DROP TABLE host_chains;
                """);
        }
    }
}
