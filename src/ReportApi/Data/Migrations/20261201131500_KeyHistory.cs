using Microsoft.EntityFrameworkCore.Migrations;
using ReportApi.Diagnosis;

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
            migrationBuilder.Sql(HostKeysSql.Create);
            migrationBuilder.Sql(RediagnoseSql.CreateRuns);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(RediagnoseSql.DropRuns);
            migrationBuilder.Sql(HostKeysSql.Drop);
        }
    }
}
