using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace PinReports.LoadTest;

/// <summary>
/// The database ceiling: report rows like the service writes (same columns, a ~1 KB raw jsonb each, the same
/// indexes) copied with Npgsql binary COPY, 2,000 per committed transaction, without dedup, rollups or HTTP. The
/// service's throughput as a fraction of this says how much of the database's capacity the ingest path uses.
/// </summary>
internal static class CopyCeiling
{
    private const int BatchSize = 2_000;

    public static async Task<double> RunAsync(string connectionString, ReportFleet fleet, int rows, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var setup = dataSource.CreateCommand("""
            DROP TABLE IF EXISTS copy_ceiling;
            CREATE TABLE copy_ceiling (LIKE reports INCLUDING DEFAULTS INCLUDING INDEXES);
            """))
        {
            await setup.ExecuteNonQueryAsync(ct);
        }

        // What the service keeps as raw jsonb: the report without app-vendor-id and without its chains.
        const string raw = """
            {"app-bundle-id":"com.pinreports.loadtest","app-version":"3.1.0","app-platform":"IOS","app-platform-version":"18.1.0",
             "trustkit-version":"3.0.0","date-time":"2026-11-27T10:00:00Z","hostname":"api.example.com","port":0,
             "noted-hostname":"example.com","include-subdomains":true,"enforce-pinning":true,"known-pins-expiration-date":null,
             "known-pins":["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"","pin-sha256=\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\""],
             "validation-result":1}
            """;
        var chain = RandomNumberGenerator.GetBytes(32);
        var pins = RandomNumberGenerator.GetBytes(32);
        var received = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        for (var written = 0; written < rows; written += BatchSize)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var importer = await connection.BeginBinaryImportAsync(
                "COPY copy_ceiling (id, received_at, dialect, hostname, noted_hostname, port, app_bundle_id, app_version, app_platform, " +
                "device_hash, date_time_raw, client_time_quality, validated_chain_fingerprint, pin_set_fingerprint, dedup_key, diagnosis, raw) FROM STDIN (FORMAT BINARY)", ct))
            {
                for (var i = written; i < Math.Min(rows, written + BatchSize); i++)
                {
                    var device = fleet.Devices[i % fleet.Devices.Count];
                    await importer.StartRowAsync(ct);
                    await importer.WriteAsync(Guid.CreateVersion7(received), NpgsqlDbType.Uuid, ct);
                    await importer.WriteAsync(received, NpgsqlDbType.TimestampTz, ct);
                    await importer.WriteAsync(device.Platform == Platform.Ios ? "trustkit-ios" : "trustkit-android", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(fleet.HostnameFor(i), NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(fleet.NotedHostname, NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(0, NpgsqlDbType.Integer, ct);
                    await importer.WriteAsync("com.pinreports.loadtest", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(fleet.AppVersions[device.VersionIndex], NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(device.Platform == Platform.Ios ? "IOS" : "ANDROID", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(SHA256.HashData(device.VendorId), NpgsqlDbType.Bytea, ct);
                    await importer.WriteAsync(fleet.DateTimeFor(i), NpgsqlDbType.Text, ct);
                    await importer.WriteAsync("utc", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(chain, NpgsqlDbType.Bytea, ct);
                    await importer.WriteAsync(pins, NpgsqlDbType.Bytea, ct);
                    await importer.WriteAsync(RandomNumberGenerator.GetBytes(32), NpgsqlDbType.Bytea, ct);
                    await importer.WriteAsync("server-rotation", NpgsqlDbType.Text, ct);
                    await importer.WriteAsync(raw, NpgsqlDbType.Jsonb, ct);
                }
                await importer.CompleteAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await using (var drop = dataSource.CreateCommand("DROP TABLE copy_ceiling")) await drop.ExecuteNonQueryAsync(ct);
        var perSecond = rows / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[load] COPY ceiling: {rows} rows in {seconds:0.0} s = {perSecond:0} rows/s (binary COPY, {BatchSize} rows per commit, reports' indexes, no dedup/rollups)"));
        return perSecond;
    }
}
