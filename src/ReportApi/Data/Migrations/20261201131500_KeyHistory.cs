using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue 13: the host key history (<c>host_keys</c>) and the progress of <c>ReportApi rediagnose</c> runs
    /// (<c>rediagnose_runs</c>). Raw SQL tables without EF entities, so the model snapshot is unchanged; existing tables
    /// are not touched (the history starts empty and fills from new reports, or from a rediagnose run over stored ones).
    /// </summary>
    public partial class KeyHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE host_keys (
                    noted_hostname text NOT NULL,
                    spki_sha256 text NOT NULL,
                    role text NOT NULL,
                    subject text NOT NULL,
                    issuer text NOT NULL,
                    ca text NOT NULL,
                    position integer NOT NULL,
                    not_after timestamptz NOT NULL,
                    certificate bytea,
                    first_seen_at timestamptz NOT NULL,
                    last_seen_at timestamptz NOT NULL,
                    CONSTRAINT pk_host_keys PRIMARY KEY (noted_hostname, spki_sha256),
                    CONSTRAINT ck_host_keys_role CHECK (role IN ('leaf', 'intermediate', 'root'))
                );
                CREATE INDEX ix_host_keys_spki_sha256 ON host_keys (spki_sha256);
                """);
            migrationBuilder.Sql("""
                CREATE TABLE rediagnose_runs (
                    range_from timestamptz NOT NULL,
                    range_to timestamptz NOT NULL,
                    cursor_received_at timestamptz NOT NULL,
                    cursor_id uuid NOT NULL,
                    processed bigint NOT NULL,
                    changed bigint NOT NULL,
                    started_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    finished_at timestamptz,
                    CONSTRAINT pk_rediagnose_runs PRIMARY KEY (range_from, range_to)
                );
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS rediagnose_runs");
            migrationBuilder.Sql("DROP TABLE IF EXISTS host_keys");
        }
    }
}
