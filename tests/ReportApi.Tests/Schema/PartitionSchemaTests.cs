using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReportApi.Data;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Schema;

/// <summary>
/// The migrations own the schema; partition maintenance (live code) keeps its own list of the daily tables and creates
/// their future partitions through <c>pinreports_create_day_partition</c>. These tests hold that live copy against what
/// the migrations created: the same tables, and a partition maintenance makes looks exactly like one that existed when
/// the migrations ran (made by the previous release, or by a migration's own backfill).
/// </summary>
public sealed class PartitionSchemaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The tables the release before ShardMinuteRollupsByWriter partitioned by day.</summary>
    private static readonly string[] PreviousReleaseDailyTables =
    [
        "reports", "failure_rollups_minute", "failure_rollups_hour", "failure_rollups_day",
        "failure_devices_minute", "failure_devices_hour", "failure_devices_day",
    ];

    [Fact]
    public async Task Partition_maintenance_knows_every_daily_table_the_migrations_created()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var partitioned = await ListAsync(dataSource, """
            SELECT c.relname || ':' || p.partstrat::text || ':' || a.attname
            FROM pg_partitioned_table p
            JOIN pg_class c ON c.oid = p.partrelid
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            WHERE c.relnamespace = 'public'::regnamespace
            """);

        // Every partitioned table is range-partitioned on its time column, and maintenance names each one.
        // (The alert evaluator's stored baseline windows by the day a window starts: retention drops a window with its first minute.)
        var expected = PartitionSql.DailyTables.Select(t => $"{t}:r:{t switch { "reports" => "received_at", "alert_baseline_counts" => "window_start", _ => "bucket" }}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), partitioned.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_partition_made_by_maintenance_matches_the_ones_that_existed_when_the_migrations_ran()
    {
        var name = "partitions_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres.Server.AdminConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }
        var connectionString = postgres.DatabaseConnectionString(name, pooling: false);
        await using var db = new PinReportsDbContext(new DbContextOptionsBuilder<PinReportsDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention().Options);
        await db.GetService<IMigrator>().MigrateAsync("ReportAuthenticated", Ct);

        var old = new DateOnly(2026, 11, 20);
        var next = old.AddDays(1);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // The previous release's partitions, made the way its live code made them; the later migrations then alter them
        // (the minute rollups' writer key) and backfill partitions of their new tables for the same day.
        foreach (var table in PreviousReleaseDailyTables)
        {
            await ExecuteAsync(dataSource, $"""
                CREATE TABLE {table}_p{old:yyyyMMdd} PARTITION OF {table}
                FOR VALUES FROM ('{old:yyyy-MM-dd} 00:00:00+00') TO ('{next:yyyy-MM-dd} 00:00:00+00')
                """);
        }
        await db.GetService<IMigrator>().MigrateAsync(cancellationToken: Ct);

        await new PartitionMaintenance(dataSource, TimeProvider.System, NullLogger<PartitionMaintenance>.Instance)
            .EnsureAsync(next, next, Ct);

        foreach (var table in PartitionSql.DailyTables)
        {
            var parent = await ShapeAsync(dataSource, table);
            var migrated = await ShapeAsync(dataSource, PartitionSql.PartitionName(table, old));
            var maintained = await ShapeAsync(dataSource, PartitionSql.PartitionName(table, next));
            Assert.NotEmpty(migrated.Columns);
            Assert.Equal(parent.Columns, maintained.Columns);
            Assert.Equal(migrated.Columns, maintained.Columns);
            Assert.Equal(migrated.Indexes, maintained.Indexes);
            Assert.Equal(migrated.Constraints, maintained.Constraints);
            // Every index of the parent reaches the partition (a partitioned index missing on one partition is invalid).
            Assert.Equal(parent.Indexes.Count, maintained.Indexes.Count);
        }
    }

    /// <summary>Columns (name, type, nullability, default), index and constraint definitions, with the relation's own names taken out.</summary>
    private static async Task<(List<string> Columns, List<string> Indexes, List<string> Constraints)> ShapeAsync(NpgsqlDataSource dataSource, string relation)
    {
        var columns = await ListAsync(dataSource, $"""
            SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                   || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = '{relation}'::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """);
        var indexes = await ListAsync(dataSource, $"""
            SELECT regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ', 'CREATE \1INDEX ON t ')
            FROM pg_index i WHERE i.indrelid = '{relation}'::regclass
            """);
        var constraints = await ListAsync(dataSource, $"""
            SELECT c.contype::text || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conrelid = '{relation}'::regclass
            """);
        return (columns.Order(StringComparer.Ordinal).ToList(), indexes.Order(StringComparer.Ordinal).ToList(), constraints.Order(StringComparer.Ordinal).ToList());
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource dataSource, string sql)
    {
        var rows = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) rows.Add(reader.GetString(0));
        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
