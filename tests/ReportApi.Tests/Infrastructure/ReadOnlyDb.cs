using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ReportApi.Tests.Infrastructure;

/// <summary>Direct database checks for tests whose service runs in another process.</summary>
public sealed class ReadOnlyDb(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public static Task<ReadOnlyDb> OpenAsync(string connectionString) => Task.FromResult(new ReadOnlyDb(NpgsqlDataSource.Create(connectionString)));

    public async Task<HashSet<string>> DeviceHashesAsync(CancellationToken ct)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT device_hash FROM reports WHERE device_hash IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) hashes.Add(Convert.ToHexString((byte[])reader[0]));
        return hashes;
    }

    /// <summary>The vendor id is stored only as an HMAC, so a test hashes what it sent with the key it configured.</summary>
    public static string DeviceHash(string vendorId) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestApp.DeviceIdKey), Encoding.UTF8.GetBytes(vendorId.ToUpperInvariant())));

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
