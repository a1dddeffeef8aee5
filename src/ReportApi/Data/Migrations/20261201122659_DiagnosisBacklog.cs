using Microsoft.EntityFrameworkCore.Migrations;
using ReportApi.Ingestion;

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
            migrationBuilder.Sql(DeferredDiagnosisSql.CreateBacklog);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(DeferredDiagnosisSql.DropBacklog);
        }
    }
}
