using Npgsql;
using ReportApi.Diagnosis;
using ReportApi.Domain.Diagnosis;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Pins;

/// <summary>One inventory row with its pin set, as read by the listing and the pre-flight.</summary>
public sealed record InventoryRow(
    long Id, string? App, string? Version, string? Platform, string NotedHostname, bool IncludeSubdomains, bool EnforcePinning,
    DateOnly? ExpirationDate, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Reports, long Devices,
    string[] RawPins, string[] Sha256Pins, int MalformedPins);

/// <summary>A stored certificate carrying a pinned key: the most recent one, and every CA the key was seen under.</summary>
public sealed record PinnedCertificate(
    string Spki, string Subject, string Issuer, int Position, string Role, DateTimeOffset? NotAfter, IReadOnlyList<string> CaNames, string Source);

/// <summary>A configuration whose known-pins expiration date is near (the expiring-pins gauge's source).</summary>
public sealed record ExpiringConfiguration(string? App, string? Version, string? Platform, string NotedHostname, DateOnly ExpirationDate);

/// <summary>
/// What one refresh transaction did. <see cref="Outcome.Busy"/>: another replica holds the lock; <see cref="Outcome.UpToDate"/>:
/// nothing to fold (or no reports at all yet); <see cref="Outcome.Folded"/>: [<see cref="From"/>, <see cref="To"/>) folded in.
/// </summary>
public readonly record struct RefreshRange(RefreshRange.Outcome Result, DateTimeOffset From, DateTimeOffset To, int Configurations)
{
    public enum Outcome { Busy, UpToDate, Folded }
}

/// <summary>Reads and writes of the inventory tables; all SQL is in <see cref="PinsSql"/>.</summary>
public sealed class PinInventoryStore(NpgsqlDataSource dataSource)
{
    /// <summary>Catch-up after downtime (or the first run over old data) goes in day-sized transactions.</summary>
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(1);

    public async Task<IReadOnlyList<InventoryRow>> ListAsync(string? app, string? version, string? platform, string? hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.ListInventory);
        command.Parameters.Arg(app).Arg(version).Arg(platform).Arg(hostname);
        return await ReadRowsAsync(command, ct);
    }

    public async Task<IReadOnlyList<InventoryRow>> PreflightCandidatesAsync(DateTimeOffset since, string hostname, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.PreflightCandidates);
        command.Parameters.Arg(since).Arg(hostname);
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
        command.Parameters.Arg(ids).Arg(since);
        await using var reader = await command.ExecuteReaderAsync(ct);
        int id = reader.GetOrdinal("inventory_id"), devices = reader.GetOrdinal("devices");
        while (await reader.ReadAsync(ct)) perRow[reader.GetInt64(id)] = reader.GetInt64(devices);
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
        command.Parameters.Arg(ids).Arg(since);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>Configurations seen since <paramref name="since"/> whose pins expire before <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<ExpiringConfiguration>> ExpiringAsync(DateTimeOffset since, DateOnly before, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(PinsSql.Expiring);
        command.Parameters.Arg(since).Arg(before);
        var rows = new List<ExpiringConfiguration>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ExpiringConfiguration(reader.GetOrNull<string>("app_bundle_id"), reader.GetOrNull<string>("app_version"),
                reader.GetOrNull<string>("app_platform"), reader.Get<string>("noted_hostname"), reader.Get<DateOnly>("expiration_date")));
        }
        return rows;
    }

    /// <summary>
    /// Where each pinned key was seen: the key history of the hosts' trusted chains first (issue 13: an index lookup, no
    /// scan of stored chains), then the operator's roots in <paramref name="anchors"/> (a backup root never deployed).
    /// </summary>
    public async Task<Dictionary<string, PinnedCertificate>> PinnedCertificatesAsync(IEnumerable<string> pins, TrustAnchors anchors, CancellationToken ct)
    {
        var wanted = pins.Distinct(StringComparer.Ordinal).ToArray();
        var found = new Dictionary<string, PinnedCertificate>(StringComparer.Ordinal);
        if (wanted.Length == 0) return found;
        await using (var command = dataSource.CreateCommand(HostKeysSql.ByKeys))
        {
            command.Parameters.Arg(wanted);
            await using var reader = await command.ExecuteReaderAsync(ct);
            // The CA list is an unnamed array(...) column of the key history's SQL: its place, not its name.
            const int CaNames = 6;
            while (await reader.ReadAsync(ct))
            {
                var spki = reader.Get<string>("spki_sha256");
                found[spki] = new PinnedCertificate(
                    spki, reader.Get<string>("subject"), reader.Get<string>("issuer"), reader.Get<int>("position"), reader.Get<string>("role"),
                    reader.Get<DateTimeOffset>("not_after"), reader.GetFieldValue<string[]>(CaNames), "reported-chain");
            }
        }
        foreach (var pin in wanted.Where(p => !found.ContainsKey(p)))
        {
            if (anchors.FindOperatorRoot(pin) is { } subject)
            {
                found[pin] = new PinnedCertificate(pin, subject, subject, -1, "root", null, [subject], "operator-root");
            }
        }
        return found;
    }

    /// <summary>
    /// Folds the reports received in [watermark, min(watermark + a day, <paramref name="upperLimit"/>)) into the inventory,
    /// in one transaction that also moves the watermark, so a range is counted exactly once whatever crashes or replicas
    /// do; a transaction-scoped advisory lock keeps two replicas from racing on it. With <paramref name="wait"/> false
    /// it gives up at once if another replica holds the lock.
    /// </summary>
    public async Task<RefreshRange> RefreshRangeAsync(DateTimeOffset upperLimit, bool wait, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using (var lockCommand = new NpgsqlCommand(wait ? PinsSql.Lock : PinsSql.TryLock, connection, transaction))
        {
            lockCommand.Parameters.Arg(PinsSql.RefreshLockKey);
            if (wait)
            {
                await using var reader = await lockCommand.ExecuteReaderAsync(ct);
            }
            else if (await lockCommand.ExecuteScalarAsync(ct) is not true)
            {
                return new RefreshRange(RefreshRange.Outcome.Busy, default, default, 0);
            }
        }

        await ExecuteAsync(connection, transaction, PinsSql.EnsureState, ct);
        DateTimeOffset? lower;
        await using (var read = new NpgsqlCommand(PinsSql.ReadWatermark, connection, transaction))
        {
            lower = await read.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        }
        if (lower is null)
        {
            // No reports at all yet: start from here, so the first report is never compared with an absent watermark.
            await ExecuteAsync(connection, transaction, PinsSql.WriteWatermark, ct, upperLimit);
            await transaction.CommitAsync(ct);
            return new RefreshRange(RefreshRange.Outcome.UpToDate, upperLimit, upperLimit, 0);
        }
        if (lower >= upperLimit) return new RefreshRange(RefreshRange.Outcome.UpToDate, lower.Value, lower.Value, 0);

        var upper = lower.Value + MaxRange < upperLimit ? lower.Value + MaxRange : upperLimit;
        var rows = await ExecuteAsync(connection, transaction, PinsSql.UpsertInventory, ct, lower.Value, upper);
        await ExecuteAsync(connection, transaction, PinsSql.UpsertDevices, ct, lower.Value, upper);
        await ExecuteAsync(connection, transaction, PinsSql.WriteWatermark, ct, upper);
        await transaction.CommitAsync(ct);
        return new RefreshRange(RefreshRange.Outcome.Folded, lower.Value, upper, rows);
    }

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params DateTimeOffset[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var arg in args) command.Parameters.Arg(arg);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<InventoryRow>> ReadRowsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var rows = new List<InventoryRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new InventoryRow(
                reader.Get<long>("id"), reader.GetOrNull<string>("app_bundle_id"), reader.GetOrNull<string>("app_version"),
                reader.GetOrNull<string>("app_platform"), reader.Get<string>("noted_hostname"),
                reader.Get<bool>("include_subdomains"), reader.Get<bool>("enforce_pinning"),
                reader.GetNullable<DateOnly>("known_pins_expiration_date"),
                reader.Get<DateTimeOffset>("first_seen"), reader.Get<DateTimeOffset>("last_seen"),
                reader.Get<long>("reports"), reader.Get<long>("devices"),
                reader.Get<string[]>("pins"), reader.Get<string[]>("sha256pins"), reader.Get<int>("malformed_count")));
        }
        return rows;
    }
}
