using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Schema;

/// <summary>
/// Every SQL statement the service keeps as text (each <c>string</c> constant or static read-only field of a
/// <c>*Sql</c> class in ReportApi) is parsed and planned by PostgreSQL against a freshly migrated database, without
/// running it: a renamed or missing table, column or function fails here with the statement's name, not in
/// production. What cannot be checked alone is listed in <see cref="SqlStatementCatalog.NotStatements"/> with why.
/// docs/decisions/0012-migrations-carry-their-own-sql.md.
/// </summary>
public sealed class SqlAgainstSchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_sql_statement_of_the_service_prepares_against_the_migrated_schema()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var statement in SqlStatementCatalog.Checked())
        {
            var error = await SqlStatementCatalog.PrepareAsync(dataSource, statement.Sql, Ct, SqlStatementCatalog.ParameterTypes.GetValueOrDefault(statement.Name));
            if (error is not null) failures.Add($"{statement.Name}: {error}");
            checkedCount++;
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The reflection must find the service's statements at all (a renamed convention would check nothing).
        Assert.True(checkedCount >= 60, $"only {checkedCount} statements found");
    }

    [Fact]
    public void Every_listed_exception_names_a_statement_that_exists()
    {
        var names = SqlStatementCatalog.Statements().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var stale = SqlStatementCatalog.NotStatements.Keys.Concat(SqlStatementCatalog.ParameterTypes.Keys).Concat(SqlStatementCatalog.Fragments.Keys).Where(name => !names.Contains(name)).ToList();
        Assert.True(stale.Count == 0, "listed but gone: " + string.Join(", ", stale));
    }

    [Fact]
    public async Task A_renamed_column_fails_the_statements_that_use_it_by_name()
    {
        // The check must be able to fail: rename a column the ingest and query statements read, and they must not prepare.
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using (var rename = dataSource.CreateCommand("ALTER TABLE reports RENAME COLUMN app_version TO app_version_renamed"))
        {
            await rename.ExecuteNonQueryAsync(Ct);
        }

        var failing = new List<string>();
        foreach (var statement in SqlStatementCatalog.Checked())
        {
            if (await SqlStatementCatalog.PrepareAsync(dataSource, statement.Sql, Ct, SqlStatementCatalog.ParameterTypes.GetValueOrDefault(statement.Name)) is { } error)
            {
                Assert.Contains("app_version", error, StringComparison.Ordinal);
                failing.Add(statement.Name);
            }
        }

        Assert.Contains("IngestSql.InsertFresh", failing);
        Assert.True(failing.Count >= 3, string.Join(", ", failing));
    }

    [Fact]
    public async Task A_missing_table_fails_with_the_statement_name()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var error = await SqlStatementCatalog.PrepareAsync(dataSource, "SELECT bucket FROM failure_rollups_week WHERE series_id = $1", Ct);
        Assert.NotNull(error);
        Assert.Contains("failure_rollups_week", error, StringComparison.Ordinal);
    }
}

/// <summary>The service's SQL text, found by reflection, and how one statement is checked without running it.</summary>
internal static partial class SqlStatementCatalog
{
    /// <summary>
    /// Constants of <c>*Sql</c> classes that are not a statement PostgreSQL can plan alone, and why. Everything else is
    /// prepared; a name listed here that no longer exists fails <c>Every_listed_exception_names_a_statement_that_exists</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotStatements = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AdvisorySql.ChainColumns"] = "a column list composed into HostChains and AllChains, which are checked",
        ["AlertingSql.AlertColumns"] = "a column list composed into the alert reads, which are checked",
        ["AlertingSql.LevelColumns"] = "a select-list fragment composed into WindowDevices and the other level reads, which are checked",
        ["AlertingSql.LevelSets"] = "GROUPING SETS fragment composed into the level reads, which are checked",
        ["AlertingSql.SeriesFilter"] = "a WHERE fragment composed into Context and the series reads, which are checked",
        ["DatabaseRolesSql.GrafanaRole"] = "a role name, not a statement",
        ["DatabaseRolesSql.ServiceRole"] = "a role name, not a statement",
        ["EvidenceSchemaSql.NetworksTable"] = "a table name, not a statement (PartitionSchemaTests holds it against the schema)",
        ["IngestSql.Columns"] = "the reports column list composed into InsertFresh, which is checked",
        ["IngestSql.KeyColumns"] = "the failure_series key list composed into InsertSeries, which is checked",
        ["IngestSql.NetworkCtes"] = "CTEs appended to InsertFresh, which is checked",
        ["IngestSql.SeriesKey"] = "a select-list fragment composed into InsertFresh, which is checked",
        ["IngestSql.Staged"] = "the unnest CTE composed into InsertFresh, which is checked",
        ["IngestSql.StagedArrays"] = "the typed array parameters composed into InsertFresh, which is checked",
        ["QuerySql.DetailColumns"] = "a column list composed into Details and Range, which are checked",
        ["PinsSql.InventoryColumns"] = "a column list composed into ListInventory, which is checked",
        ["QuerySql.SummaryColumns"] = "a column list composed into the report reads, which are checked",
        ["QuerySql.SummaryFrom"] = "a FROM clause composed into the report reads, which are checked",
        ["ServingSchemaSql.Origin"] = "a timestamptz literal composed into the serving reads, not a statement",
    };

    /// <summary>
    /// Parameter types the caller binds where the statement alone does not fix them (<c>$1 - interval '1 hour'</c> could
    /// be a date or a timestamp): without them PostgreSQL would guess, as it never does for the real, typed call.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, NpgsqlDbType>> ParameterTypes =
        new Dictionary<string, IReadOnlyDictionary<int, NpgsqlDbType>>(StringComparer.Ordinal)
        {
            ["AlertingSql.BaselineDevices"] = new Dictionary<int, NpgsqlDbType> { [4] = NpgsqlDbType.TimestampTz, [5] = NpgsqlDbType.Interval, [7] = NpgsqlDbType.Integer },
            ["AlertingSql.BaselineDevicesAt"] = new Dictionary<int, NpgsqlDbType> { [5] = NpgsqlDbType.Interval },
            ["AlertingSql.WindowNetworksAt"] = new Dictionary<int, NpgsqlDbType> { [5] = NpgsqlDbType.Interval },
            ["IngestSql.InsertSeries"] = new Dictionary<int, NpgsqlDbType> { [1] = NpgsqlDbType.TimestampTz },
            ["NotificationsSql.Failed"] = new Dictionary<int, NpgsqlDbType> { [2] = NpgsqlDbType.Interval, [6] = NpgsqlDbType.Interval },
            ["RediagnoseSql.Advance"] = new Dictionary<int, NpgsqlDbType> { [7] = NpgsqlDbType.TimestampTz },
        };

    /// <summary>
    /// WHERE fragments that no constant statement contains (they are joined at run time, <c>QuerySql.List</c>): each is
    /// checked inside the query that uses it, so the columns it names are held against the schema too.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Fragments = new[]
    {
        "QuerySql.FromFilter", "QuerySql.ToFilter", "QuerySql.AppFilter", "QuerySql.VersionFilter", "QuerySql.PlatformFilter",
        "QuerySql.HostnameFilter", "QuerySql.DiagnosisFilter", "QuerySql.ValidationResultFilter", "QuerySql.CursorFilter",
    }.ToDictionary(name => name, _ => "SELECT r.id FROM reports r WHERE {0}", StringComparer.Ordinal);

    /// <summary>The statements to prepare: every constant not listed as a non-statement, fragments inside their query.</summary>
    public static IEnumerable<(string Name, string Sql)> Checked() =>
        Statements().Where(s => !NotStatements.ContainsKey(s.Name))
            .Select(s => Fragments.TryGetValue(s.Name, out var query) ? (s.Name, query.Replace("{0}", s.Sql, StringComparison.Ordinal)) : s);

    public static IEnumerable<(string Name, string Sql)> Statements() =>
        typeof(PartitionSql).Assembly.GetTypes()
            .Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Sql", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(f => f.FieldType == typeof(string) && (f.IsLiteral || f.IsInitOnly))
                .Select(f => ($"{t.Name}.{f.Name}", (string)f.GetValue(null)!)))
            .OrderBy(s => s.Item1, StringComparer.Ordinal);

    /// <summary>
    /// Parses, analyses and plans <paramref name="sql"/> (PostgreSQL's Parse and Describe, nothing executes) with every
    /// parameter of unspecified type, so PostgreSQL infers it from the statement as it does for the real call. A
    /// parameter the statement alone cannot type (<c>$1 IS NULL</c>) is retried as text. Returns the error, or null.
    /// </summary>
    public static async Task<string?> PrepareAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct,
        IReadOnlyDictionary<int, NpgsqlDbType>? types = null)
    {
        sql = CopyAsSelect(sql);
        var named = NamedParameter().Matches(sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        var positional = PositionalParameter().Matches(sql).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        var typed = new Dictionary<int, NpgsqlDbType>(types ?? new Dictionary<int, NpgsqlDbType>());
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(sql, connection);
            if (named.Count > 0)
            {
                for (var i = 0; i < named.Count; i++) command.Parameters.Add(Unknown(named[i], typed.GetValueOrDefault(i + 1, NpgsqlDbType.Unknown)));
            }
            else
            {
                for (var i = 0; i < positional; i++) command.Parameters.Add(Unknown(null, typed.GetValueOrDefault(i + 1, NpgsqlDbType.Unknown)));
            }
            try
            {
                await command.PrepareAsync(ct);
                return null;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.IndeterminateDatatype && attempt < 20
                && IndeterminateParameter().Match(e.MessageText) is { Success: true } m)
            {
                typed[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = NpgsqlDbType.Text;
            }
            catch (PostgresException e)
            {
                return $"{e.SqlState} {e.MessageText}";
            }
        }
    }

    private static NpgsqlParameter Unknown(string? name, NpgsqlDbType type)
    {
        var parameter = new NpgsqlParameter { NpgsqlDbType = type, Value = DBNull.Value };
        if (name is not null) parameter.ParameterName = name;
        return parameter;
    }

    /// <summary>A COPY cannot be prepared; its column list is checked as the SELECT of the same columns.</summary>
    private static string CopyAsSelect(string sql) =>
        CopyStatement().Match(sql) is { Success: true } m ? $"SELECT {m.Groups["columns"].Value} FROM {m.Groups["table"].Value}" : sql;

    [GeneratedRegex(@"^\s*COPY\s+(?<table>\w+)\s*\((?<columns>[^)]*)\)\s+FROM\s+STDIN", RegexOptions.IgnoreCase)]
    private static partial Regex CopyStatement();

    [GeneratedRegex(@"(?<![@:\w])@(\w+)")]
    private static partial Regex NamedParameter();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex PositionalParameter();

    [GeneratedRegex(@"parameter \$(\d+)")]
    private static partial Regex IndeterminateParameter();
}
