using Npgsql;
using NpgsqlTypes;
using ReportApi.Diagnosis;

namespace ReportApi.Pins;

/// <summary>One inventory row with its pin set, as read by the listing and the pre-flight.</summary>
public sealed record InventoryRow(
    long Id, string? App, string? Version, string? Platform, string NotedHostname, bool IncludeSubdomains, bool EnforcePinning,
    DateOnly? ExpirationDate, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Reports, long Devices,
    string[] RawPins, string[] Sha256Pins, int MalformedPins);

/// <summary>A stored certificate carrying a pinned key: the most recent one, and every CA the key was seen under.</summary>
public sealed record PinnedCertificate(
    string Spki, string Subject, string Issuer, int Position, string Role, DateTimeOffset? NotAfter, IReadOnlyList<string> CaNames, string Source);

/// <summary>Reads of the inventory tables; all SQL is in <see cref="PinsSql"/>.</summary>
public sealed class PinInventoryStore(NpgsqlDataSource dataSource, DiagnosisService diagnosis)
{
    public async Task<IReadOnlyList<InventoryRow>> ListAsync(string? app, string? version, string? platform, string? hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.ListInventory);
        foreach (var value in new[] { app, version, platform, hostname })
        {
            command.Parameters.Add(new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        return await ReadRowsAsync(command, ct);
    }

    public async Task<IReadOnlyList<InventoryRow>> PreflightCandidatesAsync(DateTimeOffset since, string hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.PreflightCandidates);
        command.Parameters.Add(new() { Value = since, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = hostname, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadRowsAsync(command, ct);
    }

    public async Task<DateTimeOffset?> DataThroughAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.DataThrough);
        return await command.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }

    /// <summary>Devices per row seen since <paramref name="since"/>.</summary>
    public async Task<Dictionary<long, long>> RecentDevicesPerRowAsync(long[] ids, DateTimeOffset since, CancellationToken ct)
    {
        var perRow = new Dictionary<long, long>();
        if (ids.Length == 0) return perRow;
        await using var command = dataSource.CreateCommand(PinsSql.RecentDevices);
        AddIdsAndSince(command, ids, since);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) perRow[reader.GetInt64(0)] = reader.GetInt64(1);
        return perRow;
    }

    /// <summary>
    /// Distinct devices seen since <paramref name="since"/> over all the given rows. A query of its own: each is a pass
    /// over the rows' device sets (hundreds of thousands for a busy host), so a caller pays only for the one it uses.
    /// </summary>
    public async Task<long> RecentDistinctDevicesAsync(long[] ids, DateTimeOffset since, CancellationToken ct)
    {
        if (ids.Length == 0) return 0;
        await using var command = dataSource.CreateCommand(PinsSql.RecentDistinctDevices);
        AddIdsAndSince(command, ids, since);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>
    /// Where each pinned key was seen: the key history of the hosts' trusted chains first (issue 13: an index lookup, no
    /// scan of stored chains), then the operator's roots (a backup root never deployed).
    /// </summary>
    public async Task<Dictionary<string, PinnedCertificate>> PinnedCertificatesAsync(IEnumerable<string> pins, CancellationToken ct)
    {
        var wanted = pins.Distinct(StringComparer.Ordinal).ToArray();
        var found = new Dictionary<string, PinnedCertificate>(StringComparer.Ordinal);
        if (wanted.Length == 0) return found;
        await using (var command = dataSource.CreateCommand(HostKeysSql.ByKeys))
        {
            command.Parameters.Add(new() { Value = wanted, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var role = reader.GetString(3);
                found[reader.GetString(0)] = new PinnedCertificate(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(5), role,
                    reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<string[]>(6), "reported-chain");
            }
        }
        foreach (var pin in wanted.Where(p => !found.ContainsKey(p)))
        {
            if (diagnosis.Anchors.FindOperatorRoot(pin) is { } subject)
            {
                found[pin] = new PinnedCertificate(pin, subject, subject, -1, "root", null, [subject], "operator-root");
            }
        }
        return found;
    }

    public static string Role(int position, bool selfIssued) => position == 0 ? "leaf" : selfIssued ? "root" : "intermediate";

    private static void AddIdsAndSince(NpgsqlCommand command, long[] ids, DateTimeOffset since)
    {
        command.Parameters.Add(new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = since, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }

    private static async Task<IReadOnlyList<InventoryRow>> ReadRowsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<InventoryRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new InventoryRow(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetBoolean(5), reader.GetBoolean(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateOnly>(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.GetInt64(10), reader.GetInt64(11),
                reader.GetFieldValue<string[]>(12), reader.GetFieldValue<string[]>(13), reader.GetInt32(14)));
        }
        return rows;
    }
}
