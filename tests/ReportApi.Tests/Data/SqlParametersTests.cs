using Npgsql;
using ReportApi.Infrastructure.Sql;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Data;

/// <summary>The binding helper's promises, against a real server: types inferred from the CLR type, typed NULLs,
/// instants in UTC whatever their offset, and columns read by name.</summary>
public sealed class SqlParametersTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Positional_arguments_bind_in_call_order_with_inferred_types_and_typed_nulls()
    {
        await using var source = NpgsqlDataSource.Create(await DatabaseAsync());
        await using var command = source.CreateCommand(
            "SELECT pg_typeof($1)::text AS a, pg_typeof($2)::text AS b, $3 IS NULL AS c, pg_typeof($3)::text AS d, " +
            "$4 IS NULL AS e, array_length($5, 1) AS f, pg_typeof($6)::text AS g");
        command.Parameters.Arg(7L).Arg(TimeSpan.FromSeconds(3)).Arg((string?)null).Arg((int?)null)
            .Arg(new[] { "a", "b" }).Arg(new[] { new DateOnly(2026, 12, 1) });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));

        Assert.Equal("bigint", reader.Get<string>("a"));
        Assert.Equal("interval", reader.Get<string>("b"));
        Assert.True(reader.Get<bool>("c"));
        Assert.Equal("text", reader.Get<string>("d"));
        Assert.True(reader.Get<bool>("e"));
        Assert.Equal(2, reader.Get<int>("f"));
        Assert.Equal("date[]", reader.Get<string>("g"));
    }

    [Fact]
    public async Task Instants_with_a_local_offset_bind_as_the_same_instant()
    {
        await using var source = NpgsqlDataSource.Create(await DatabaseAsync());
        var local = new DateTimeOffset(2026, 12, 1, 19, 30, 0, TimeSpan.FromHours(2));
        await using var command = source.CreateCommand("SELECT $1");
        command.Parameters.Arg(local);
        await using var named = source.CreateCommand("SELECT @at AS named");
        named.Parameters.Arg("at", local);

        Assert.Equal(local.UtcDateTime, ((DateTime)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!));
        Assert.Equal(local.UtcDateTime, ((DateTime)(await named.ExecuteScalarAsync(TestContext.Current.CancellationToken))!));
    }

    [Fact]
    public async Task Nullable_columns_read_by_name_as_null_and_a_missing_column_is_an_error()
    {
        await using var source = NpgsqlDataSource.Create(await DatabaseAsync());
        await using var command = source.CreateCommand("SELECT NULL::text AS t, NULL::bigint AS n, 5::bigint AS v, 'x' AS s");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));

        Assert.Null(reader.GetOrNull<string>("t"));
        Assert.Null(reader.GetNullable<long>("n"));
        Assert.Equal(5L, reader.GetNullable<long>("v"));
        Assert.Equal("x", reader.GetOrNull<string>("s"));
        Assert.Throws<IndexOutOfRangeException>(() => reader.Get<long>("missing"));
    }

    private Task<string> DatabaseAsync() => postgres.CreateDatabaseAsync();
}
