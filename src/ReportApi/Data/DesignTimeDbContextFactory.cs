using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ReportApi.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service or reaching a database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PinReportsDbContext>
{
    public PinReportsDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<PinReportsDbContext>()
        .UseNpgsql("Host=localhost;Database=pinreports_design", npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
        .UseSnakeCaseNamingConvention()
        .Options);
}
