using Npgsql;
using NpgsqlTypes;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Alerting;

/// <summary>
/// The live evaluator's baseline samples from stored windows (<see cref="AlertingSql.CountBaselineWindows"/>): each
/// minute drops the windows a late minute touched, counts and stores the comparable windows that are new (one a minute
/// in the steady state: yesterday's, one window after the time of day), reads the stored windows (one row each) and the
/// candidates' group names, and counts live only the windows that cannot be stored. The samples are the ones
/// <see cref="AlertingSql.BaselineDevices"/> answers; the backtest keeps counting with that statement's batched form.
/// </summary>
internal static class BaselineWindows
{
    /// <summary>Device counts by (series, window end) of the candidates' groups, for the windows of length <paramref name="window"/> ending at <paramref name="ends"/>.</summary>
    public static async Task<Dictionary<(SeriesKey, DateTimeOffset), int>> SamplesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        (string[] Hosts, string[] Apps, string[] Versions) filter, DateTimeOffset[] ends, TimeSpan window, CancellationToken ct)
    {
        var minutes = (int)window.TotalMinutes;
        await using (var invalidate = new NpgsqlCommand(AlertingSql.InvalidateBaselineWindows, connection, transaction))
        {
            await invalidate.ExecuteNonQueryAsync(ct);
        }
        await using (var count = new NpgsqlCommand(AlertingSql.CountBaselineWindows, connection, transaction))
        {
            count.Parameters.Arg(ends.Select(e => e.UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(window).Arg((short)minutes);
            await count.ExecuteNonQueryAsync(ct);
        }

        var stored = new List<(DateTimeOffset End, int[] Ids, int[] Members)>();
        await using (var read = new NpgsqlCommand(AlertingSql.StoredBaselineWindows, connection, transaction))
        {
            read.Parameters.Arg(ends.Select(e => (e - window).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(minutes);
            await using var reader = await read.ExecuteReaderAsync(ct);
            var (end, ids, members) = (reader.GetOrdinal("sample_end"), reader.GetOrdinal("group_ids"), reader.GetOrdinal("members"));
            while (await reader.ReadAsync(ct))
            {
                stored.Add((reader.GetFieldValue<DateTimeOffset>(end), reader.GetFieldValue<int[]>(ids), reader.GetFieldValue<int[]>(members)));
            }
        }

        var samples = new Dictionary<(SeriesKey, DateTimeOffset), int>();
        if (stored.Count > 0)
        {
            var groups = await GroupsAsync(connection, transaction, filter, ct);
            foreach (var (end, ids, members) in stored)
            {
                for (var i = 0; i < ids.Length; i++)
                {
                    // Two groups fold into one key only in theory (see SeriesObservations.Merge): the larger count, as before.
                    if (groups.TryGetValue(ids[i], out var key)) samples[(key, end)] = Math.Max(samples.GetValueOrDefault((key, end)), members[i]);
                }
            }
        }

        // Windows after the closing edge (the closer is behind or off) or older than retention: counted as before, not stored.
        var live = ends.Except(stored.Select(s => s.End)).ToArray();
        if (live.Length > 0)
        {
            await SeriesObservations.CountsAtAsync(connection, transaction, AlertingSql.BaselineDevicesAt, filter, live, window, ct, into: samples);
        }
        return samples;
    }

    /// <summary>The series key of each candidate group id (groups whose key is null, '' or '(other)' components, are left out).</summary>
    private static async Task<Dictionary<int, SeriesKey>> GroupsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        (string[] Hosts, string[] Apps, string[] Versions) filter, CancellationToken ct)
    {
        var groups = new Dictionary<int, SeriesKey>();
        await using var command = new NpgsqlCommand(AlertingSql.BaselineGroups, connection, transaction);
        command.Parameters.Arg(filter.Hosts).Arg(filter.Apps).Arg(filter.Versions);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (id, level, app, version, host) = (reader.GetOrdinal("id"), reader.GetOrdinal("level"), reader.GetOrdinal("app"),
            reader.GetOrdinal("version"), reader.GetOrdinal("noted_hostname"));
        while (await reader.ReadAsync(ct))
        {
            if (SeriesObservations.Key(reader.GetString(level), reader.GetString(app), reader.GetString(version), reader.GetString(host)) is { } key)
            {
                groups[reader.GetInt32(id)] = key;
            }
        }
        return groups;
    }
}
