using System.Text.RegularExpressions;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Schema;

/// <summary>
/// docs/decisions/0012-migrations-carry-their-own-sql.md: a migration's SQL is literal text in the migration. A migration
/// that ran a live constant (<c>migrationBuilder.Sql(RollupSchemaSql.Create)</c>) would change whenever the constant is
/// edited, so a new database and an upgraded one would get different schemas from the same version.
/// </summary>
public sealed partial class MigrationSourceTests
{
    [Fact]
    public void Migrations_never_call_live_code()
    {
        var migrations = Directory.GetFiles(RepositoryPaths.Of("src", "ReportApi", "Data", "Migrations"), "*.cs")
            .Where(path => !path.EndsWith(".Designer.cs", StringComparison.Ordinal) && !path.EndsWith("ModelSnapshot.cs", StringComparison.Ordinal))
            .ToList();
        Assert.True(migrations.Count >= 15, $"only {migrations.Count} migrations found");

        var offences = new List<string>();
        foreach (var path in migrations)
        {
            var text = File.ReadAllText(path);
            // Raw SQL literals may say anything; only the C# around them counts.
            var code = RawStringLiteral().Replace(text, "\"\"");
            offences.AddRange(LiveCodeReference().Matches(code).Select(m => $"{Path.GetFileName(path)}: {m.Value.Trim()}"));
        }

        Assert.True(offences.Count == 0, "migrations calling live code:\n" + string.Join("\n", offences));
    }

    [Fact]
    public void The_check_sees_a_live_constant_and_a_feature_namespace()
    {
        // The patterns above must catch what they are for (a check that never matches proves nothing).
        Assert.Matches(LiveCodeReference(), "            migrationBuilder.Sql(RollupSchemaSql.Create);");
        Assert.Matches(LiveCodeReference(), "using ReportApi.Ingestion;");
        Assert.DoesNotMatch(LiveCodeReference(), RawStringLiteral().Replace("migrationBuilder.Sql(\"\"\"\n    SELECT PartitionSql.x\n    \"\"\");", "\"\""));
    }

    /// <summary>A <c>using</c> of a ReportApi namespace other than the migrations' own, or a member of an <c>XxxSql</c> class.</summary>
    [GeneratedRegex(@"^\s*using\s+ReportApi(?!\.Data\.Migrations\b)[\w.]*\s*;|\b\w+Sql\.\w+", RegexOptions.Multiline)]
    private static partial Regex LiveCodeReference();

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"")]
    private static partial Regex RawStringLiteral();
}
