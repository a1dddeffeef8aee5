using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeastPrivilegeRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The service connects as pinreports_app (Database:ServicePassword), Grafana as pinreports_grafana: see
            // DatabaseRolesSql for what each may do. No table changes; the model snapshot is untouched.
            migrationBuilder.Sql(DatabaseRolesSql.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(DatabaseRolesSql.Down);
        }
    }
}
