using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue 21: the list of stored reports whose diagnosis ingest deferred (the new-chain slow path was full). A raw
    /// SQL table without an EF entity, so the model snapshot is unchanged; existing tables are not touched.
    /// </summary>
    public partial class DiagnosisBacklog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE diagnosis_backlog (
                    report_id uuid PRIMARY KEY,
                    received_at timestamptz NOT NULL,
                    deferred_at timestamptz NOT NULL
                );
                CREATE INDEX ix_diagnosis_backlog_deferred_at ON diagnosis_backlog (deferred_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS diagnosis_backlog");
        }
    }
}
