using Microsoft.EntityFrameworkCore.Migrations;
using ReportApi.ResponderConsole;

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
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(ConsoleSql.CreateTable);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(ConsoleSql.DropTable);
    }
}
