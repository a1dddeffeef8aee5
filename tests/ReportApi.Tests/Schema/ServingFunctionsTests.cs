using Npgsql;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Schema;

/// <summary>
/// The serving read functions (<c>failure_grain</c>, <c>failure_seen_series</c>, <c>failure_stats</c>) are installed
/// by migrations, each carrying its own literal copy (design decision 12), while <see cref="ServingSchemaSql"/> keeps
/// the current text for the stats benchmark, which re-creates them so a <c>--skip-load</c> run measures the code
/// checked out. Two copies can drift: an edit to the live text without a migration would be measured by the benchmark
/// and never run in production. This holds the live text against what the migrations installed.
/// </summary>
public sealed class ServingFunctionsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Name, string Create)[] LiveCopies =
    [
        ("failure_grain", ServingSchemaSql.CreateGrainFunction),
        ("failure_seen_series", ServingSchemaSql.CreateSeenSeriesFunction),
        ("failure_stats", ServingSchemaSql.CreateStatsFunction),
    ];

    [Fact]
    public async Task Each_live_copy_is_the_function_the_migrations_installed()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        foreach (var (name, create) in LiveCopies)
        {
            var migrated = await DefinitionAsync(dataSource, name);
            await ExecuteAsync(dataSource, create);
            var live = await DefinitionAsync(dataSource, name);
            Assert.True(migrated == live,
                $"{name}: ServingSchemaSql's text differs from the function the migrations installed; change it through a new migration that carries the new text.\n--- migrated:\n{migrated}\n--- live:\n{live}");
        }
    }

    [Fact]
    public async Task A_changed_live_copy_is_told_apart()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var migrated = await DefinitionAsync(dataSource, "failure_grain");
        var changed = ServingSchemaSql.CreateGrainFunction.Replace("'hour'", "'minute'", StringComparison.Ordinal);
        Assert.NotEqual(ServingSchemaSql.CreateGrainFunction, changed);

        await ExecuteAsync(dataSource, changed);

        Assert.NotEqual(migrated, await DefinitionAsync(dataSource, "failure_grain"));
    }

    /// <summary>The whole definition, body included, of every overload of the function (there is one of each today).</summary>
    private static async Task<string> DefinitionAsync(NpgsqlDataSource dataSource, string name)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT string_agg(pg_get_functiondef(p.oid), E'\n' ORDER BY p.oid)
            FROM pg_proc p WHERE p.proname = $1 AND p.pronamespace = 'public'::regnamespace
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(Ct) as string ?? throw new InvalidOperationException($"{name} is not installed");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
