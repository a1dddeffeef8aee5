using Npgsql;
using NpgsqlTypes;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Alerting;

/// <summary>
/// The live evaluator's baseline samples from stored windows (<see cref="AlertingSql.CountBaselineWindows"/>): each
/// minute drops the windows a late minute or a deleted device touched, counts and stores the comparable windows that are
/// new (one a minute in the steady state: yesterday's, one window after the time of day), reads the stored counts of the
/// candidates, and counts live only the windows that cannot be stored. The samples are the ones
/// <see cref="AlertingSql.BaselineDevices"/> answers; the backtest keeps counting with that statement's batched form.
/// </summary>
internal static class BaselineWindows
{
    /// <summary>Device counts by (series, window end) of the candidates' groups, for the windows of length <paramref name="window"/> ending at <paramref name="ends"/>.</summary>
    public static async Task<Dictionary<(SeriesKey, DateTimeOffset), int>> SamplesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        (string[] Hosts, string[] Apps, string[] Versions) filter, DateTimeOffset[] ends, TimeSpan window, CancellationToken ct)
    {
        var minutes = (int)window.TotalMinutes;
        var endsUtc = ends.Select(e => e.UtcDateTime).ToArray();
        await using (var invalidate = new NpgsqlCommand(AlertingSql.InvalidateBaselineWindows, connection, transaction))
        {
            await invalidate.ExecuteNonQueryAsync(ct);
        }
        await using (var count = new NpgsqlCommand(AlertingSql.CountBaselineWindows, connection, transaction))
        {
            count.Parameters.Arg(endsUtc, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(window).Arg((short)minutes);
            await count.ExecuteNonQueryAsync(ct);
        }

        var stored = new HashSet<DateTimeOffset>();
        await using (var which = new NpgsqlCommand(AlertingSql.StoredBaselineWindows, connection, transaction))
        {
            which.Parameters.Arg(ends.Select(e => (e - window).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(minutes);
            await using var reader = await which.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stored.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        var samples = new Dictionary<(SeriesKey, DateTimeOffset), int>();
        if (stored.Count > 0)
        {
            await using var read = new NpgsqlCommand(AlertingSql.StoredBaselineDevices, connection, transaction);
            read.Parameters.Arg(filter.Hosts).Arg(filter.Apps).Arg(filter.Versions)
                .Arg(stored.Select(e => (e - window).UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(minutes);
            await SeriesObservations.SamplesAsync(read, samples, ct);
        }

        // Windows after the closing edge (the closer is behind or off) or older than retention: counted as before, not stored.
        var live = ends.Where(e => !stored.Contains(e)).ToArray();
        if (live.Length > 0)
        {
            await using var command = new NpgsqlCommand(AlertingSql.BaselineDevicesAt, connection, transaction);
            command.Parameters.Arg(filter.Hosts).Arg(filter.Apps).Arg(filter.Versions)
                .Arg(live.Select(e => e.UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(window);
            await SeriesObservations.SamplesAsync(command, samples, ct);
        }
        return samples;
    }
}
