using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Ingestion;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Ingestion;

/// <summary>
/// <see cref="ReportColumns"/> is the one list of <c>reports</c> columns: the migrated table has each with its type,
/// and the writer binds each, in order, with the value of that column (a swapped pair of arrays would store every
/// hostname as the noted hostname without any other test noticing).
/// </summary>
public sealed class ReportColumnsTests(PostgresFixture postgres)
{
    private static readonly Dictionary<string, NpgsqlDbType> Types = new()
    {
        ["uuid"] = NpgsqlDbType.Uuid, ["timestamptz"] = NpgsqlDbType.TimestampTz, ["text"] = NpgsqlDbType.Text,
        ["integer"] = NpgsqlDbType.Integer, ["boolean"] = NpgsqlDbType.Boolean, ["bytea"] = NpgsqlDbType.Bytea,
        ["date"] = NpgsqlDbType.Date, ["jsonb"] = NpgsqlDbType.Jsonb, ["bigint"] = NpgsqlDbType.Bigint,
    };

    [Fact]
    public async Task Every_listed_column_has_its_listed_type_in_the_migrated_table()
    {
        await using var app = await TestApp.StartAsync(postgres);
        foreach (var column in ReportColumns.All)
        {
            await using var command = app.Db.CreateCommand("""
                SELECT format_type(a.atttypid, a.atttypmod) = $2::regtype::text
                FROM pg_attribute a WHERE a.attrelid = 'reports'::regclass AND a.attname = $1 AND NOT a.attisdropped
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = column.Name });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = column.SqlType });
            Assert.True(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) is true, $"reports.{column.Name} is not {column.SqlType}");
        }
    }

    [Fact]
    public void The_writer_binds_every_listed_column_in_order_with_that_columns_value()
    {
        var receivedAt = new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.FromHours(2));
        var clientTime = new DateTimeOffset(2026, 12, 1, 15, 59, 0, TimeSpan.Zero);
        var effective = new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var report = new PinFailureReport
        {
            Dialect = ReportDialect.TrustKitAndroid, Hostname = "host.example", NotedHostname = "noted.example", Port = 8443,
            IncludeSubdomains = null, EnforcePinning = false, ValidationResult = 3, AppBundleId = "com.example.app", AppVersion = "1.2.3",
            AppPlatform = "ANDROID", AppPlatformVersion = "14", TrustKitVersion = "1.5.0", DateTimeRaw = "2026-12-01T15:59:00Z",
            ClientTime = clientTime, ClientTimeQuality = ClientTimeQuality.Utc, KnownPinsExpirationDate = new DateOnly(2027, 6, 30),
            EffectiveExpirationDate = effective, ValidatedChain = [], KnownPins = [], RawJson = """{"raw":1}""",
        };
        byte[] device = [1], validated = [2], served = [3], pins = [4], dedup = [5];
        var record = new IngestRecord(Guid.CreateVersion7(receivedAt), receivedAt, report, device, new ParsedChain(validated, []),
            new ParsedChain(served, []), new PinSet(pins, [], [], 0), dedup, "server-rotation", Authenticated: true, CountsDevice: false,
            NetworkId: 77);
        var expected = new Dictionary<string, object?>
        {
            ["id"] = record.Id, ["received_at"] = receivedAt.ToUniversalTime(), ["dialect"] = "trustkit-android", ["hostname"] = "host.example",
            ["noted_hostname"] = "noted.example", ["port"] = 8443, ["include_subdomains"] = null, ["enforce_pinning"] = false,
            ["validation_result"] = 3, ["app_bundle_id"] = "com.example.app", ["app_version"] = "1.2.3", ["app_platform"] = "ANDROID",
            ["app_platform_version"] = "14", ["trust_kit_version"] = "1.5.0", ["device_hash"] = device,
            ["date_time_raw"] = "2026-12-01T15:59:00Z", ["client_time"] = clientTime, ["client_time_quality"] = ClientTimeQualityNames.ToWire(ClientTimeQuality.Utc),
            ["known_pins_expiration_date"] = new DateOnly(2027, 6, 30), ["effective_expiration_date"] = effective,
            ["validated_chain_fingerprint"] = validated, ["served_chain_fingerprint"] = served, ["pin_set_fingerprint"] = pins,
            ["dedup_key"] = dedup, ["diagnosis"] = "server-rotation", ["raw"] = """{"raw":1}""", ["authenticated"] = true,
        };
        var rows = new StagedRows(1);
        rows.Add(record, inBatchDuplicates: 2);
        using var command = new NpgsqlCommand();
        rows.AddParameters(command.Parameters, writer: 7);

        Assert.Equal(ReportColumns.All.Length + 4, command.Parameters.Count);
        Assert.Equal(expected.Keys.Order(), ReportColumns.Names.Order()); // a new column needs its value here too
        for (var i = 0; i < ReportColumns.All.Length; i++)
        {
            var column = ReportColumns.All[i];
            Assert.Equal(NpgsqlDbType.Array | Types[column.SqlType], command.Parameters[i].NpgsqlDbType);
            Assert.Equal(expected[column.Name], ((Array)command.Parameters[i].Value!).GetValue(0));
        }
        // Then in_batch_duplicates, counts_device, network_id and the writer loop, as IngestSql stages them.
        Assert.Equal([2, false, 77L], command.Parameters.Skip(ReportColumns.All.Length).Take(3).Select(p => ((Array)p.Value!).GetValue(0)));
        Assert.Equal((short)7, command.Parameters[IngestSql.WriterParameter - 1].Value);
    }

    [Fact]
    public void The_writer_statement_stages_every_listed_column_with_its_type()
    {
        foreach (var (column, i) in ReportColumns.All.Select((c, i) => (c, i)))
        {
            Assert.Contains($"${i + 1}::{column.SqlType}[]", IngestSql.InsertFresh, StringComparison.Ordinal);
        }
        Assert.Contains($"AS s ({string.Join(", ", ReportColumns.Names)}, in_batch_duplicates", IngestSql.InsertFresh, StringComparison.Ordinal);
    }
}
