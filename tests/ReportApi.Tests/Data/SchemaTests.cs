using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Data;
using ReportApi.Ingestion;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Data;

public sealed class SchemaTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Copy_column_list_matches_the_EF_model_and_the_migrated_table()
    {
        await using var app = await TestApp.StartAsync(postgres);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PinReportsDbContext>();
        var modelColumns = db.Model.FindEntityType(typeof(ReportEntity))!.GetProperties()
            .Select(p => p.GetColumnName()).Order().ToList();

        var tableColumns = new List<string>();
        await using (var command = app.Db.CreateCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports' ORDER BY column_name"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) tableColumns.Add(reader.GetString(0));
        }

        Assert.Equal(modelColumns, IngestSql.ReportColumns.Order().ToList());
        Assert.Equal(modelColumns, tableColumns.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Reports_table_is_partitioned_by_day_and_partitions_exist_ahead_of_today()
    {
        await using var app = await TestApp.StartAsync(postgres);
        var strategy = await app.CountAsync("SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'reports' AND p.partstrat = 'r'");
        Assert.Equal(1, strategy);

        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        var exists = await app.CountAsync($"SELECT count(*) FROM pg_class WHERE relname = '{PartitionSql.PartitionName(tomorrow)}'");
        Assert.Equal(1, exists);
    }
}
