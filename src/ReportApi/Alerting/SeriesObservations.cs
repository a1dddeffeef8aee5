using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.Alerting;

/// <summary>
/// Builds the detector's observations for one evaluation minute from the rollups, inside the evaluator's transaction:
/// window counts for every series of every level, baselines from the same windows on previous days, and (only for
/// series that have or may get an alert) the context the alert text is written from.
/// </summary>
internal static class SeriesObservations
{
    /// <summary>Distinct devices in [from, to) per series of every level with at least one failure.</summary>
    public static Task<Dictionary<SeriesKey, int>> WindowAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        CountsAsync(AlertingSql.WindowDevices, connection, transaction, from, to, ct);

    /// <summary>Distinct source networks in [from, to) per series of every level (issue #22: independent evidence).</summary>
    public static Task<Dictionary<SeriesKey, int>> NetworksAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        CountsAsync(AlertingSql.WindowNetworks, connection, transaction, from, to, ct);

    // Both queries answer one row per series of every level: its key columns, then the distinct count.
    private static async Task<Dictionary<SeriesKey, int>> CountsAsync(
        string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        var counts = new Dictionary<SeriesKey, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (Key(reader, 0) is { } key) Merge(counts, key, (int)reader.GetInt64(4));
        }
        return counts;
    }

    /// <summary>Baseline samples per candidate series, in <see cref="SpikeDetector"/>'s sense (missing before the series existed).</summary>
    public static async Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, DetectorOptions options, CancellationToken ct)
    {
        var (hosts, apps, versions) = Filter(candidates);
        await using var command = new NpgsqlCommand(AlertingSql.BaselineDevices, connection, transaction);
        AddFilter(command, hosts, apps, versions);
        command.Parameters.Add(Time(minute));
        command.Parameters.Add(new NpgsqlParameter { Value = options.Window, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = options.BaselineDays, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = options.BaselineNeighbourWindows, NpgsqlDbType = NpgsqlDbType.Integer });
        var samples = await SamplesAsync(command, ct);
        var firstSeen = await FirstSeenAsync(connection, transaction, hosts, apps, versions, ct);
        return Assemble(candidates, minute, options, samples, firstSeen);
    }

    /// <summary>Window device counts by (series, window end) from a <see cref="AlertingSql.BaselineDevices"/>-shaped query.</summary>
    public static async Task<Dictionary<(SeriesKey, DateTimeOffset), int>> SamplesAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var samples = new Dictionary<(SeriesKey, DateTimeOffset), int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (Key(reader, 1) is { } key)
            {
                var end = reader.GetFieldValue<DateTimeOffset>(0);
                samples[(key, end)] = Math.Max(samples.GetValueOrDefault((key, end)), (int)reader.GetInt64(5));
            }
        }
        return samples;
    }

    public static async Task<Dictionary<SeriesKey, DateTimeOffset>> FirstSeenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string[] hosts, string[] apps, string[] versions, CancellationToken ct)
    {
        var firstSeen = new Dictionary<SeriesKey, DateTimeOffset>();
        await using var command = new NpgsqlCommand(AlertingSql.FirstSeen, connection, transaction);
        AddFilter(command, hosts, apps, versions);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (Key(reader, 0) is not { } key) continue;
            var seen = reader.GetFieldValue<DateTimeOffset>(4);
            firstSeen[key] = firstSeen.TryGetValue(key, out var earlier) && earlier < seen ? earlier : seen;
        }
        return firstSeen;
    }

    /// <summary>The comparable windows of <paramref name="minute"/>, in the order <see cref="Assemble"/> reads them.</summary>
    public static IEnumerable<DateTimeOffset> SampleEnds(DateTimeOffset minute, DetectorOptions options)
    {
        for (var day = 1; day <= options.BaselineDays; day++)
        {
            for (var k = -options.BaselineNeighbourWindows; k <= options.BaselineNeighbourWindows; k++) yield return minute.AddDays(-day) + k * options.Window;
        }
    }

    public static Dictionary<SeriesKey, int[]> Assemble(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, DetectorOptions options,
        IReadOnlyDictionary<(SeriesKey, DateTimeOffset), int> samples, IReadOnlyDictionary<SeriesKey, DateTimeOffset> firstSeen) =>
        Assemble(candidates, minute, options, key => end => samples.GetValueOrDefault((key, end)), firstSeen);

    /// <param name="samplesOf">A series' device count in the window ending at a time (0 when it had no rows there): the
    /// backtest's in-memory counts answer without building a dictionary per minute.</param>
    public static Dictionary<SeriesKey, int[]> Assemble(IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, DetectorOptions options,
        Func<SeriesKey, Func<DateTimeOffset, int>> samplesOf, IReadOnlyDictionary<SeriesKey, DateTimeOffset> firstSeen)
    {
        var result = new Dictionary<SeriesKey, int[]>();
        foreach (var key in candidates)
        {
            var list = new List<int>();
            if (firstSeen.TryGetValue(key, out var seen))
            {
                var startMinute = Floor(seen);
                var sample = samplesOf(key);
                // A window from before the series existed is missing, not zero: that is what makes a series new.
                list.AddRange(SampleEnds(minute, options).Where(end => end - options.Window >= startMinute).Select(sample));
            }
            result[key] = [.. list];
        }
        return result;
    }

    /// <summary>Every series' hosts and app versions: the filter that makes every series a candidate.</summary>
    public static async Task<(string[] Hosts, string[] Apps, string[] Versions)> AllSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(AlertingSql.AllSeries, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        string[] Get(int i) => reader.IsDBNull(i) ? [] : reader.GetFieldValue<string[]>(i);
        return (Get(0), Get(1), Get(2));
    }

    public static void AddFilter(NpgsqlCommand command, (string[] Hosts, string[] Apps, string[] Versions) filter) =>
        AddFilter(command, filter.Hosts, filter.Apps, filter.Versions);

    /// <summary>Active devices (all platforms) of each candidate app version on the minute's UTC day, else the day before.</summary>
    public static async Task<Dictionary<(string App, string Version), int>> ActiveDevicesAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, CancellationToken ct)
    {
        var (_, apps, versions) = Filter(candidates);
        return await ActiveDevicesAsync(connection, transaction, apps, versions, ActivityDay(minute), ct);
    }

    /// <summary>The window ends at the minute; its last minute's day is the day the activity is for.</summary>
    public static DateOnly ActivityDay(DateTimeOffset minute) => DateOnly.FromDateTime(minute.UtcDateTime.AddTicks(-1));

    /// <summary>Active devices of the app versions (<paramref name="apps"/>[i], <paramref name="versions"/>[i]) on <paramref name="day"/>, else the day before.</summary>
    public static async Task<Dictionary<(string App, string Version), int>> ActiveDevicesAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, string[] apps, string[] versions, DateOnly day, CancellationToken ct)
    {
        var active = new Dictionary<(string, string), int>();
        if (apps.Length == 0) return active;
        await using var command = new NpgsqlCommand(AlertingSql.ActiveDevices, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = apps, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = versions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = day, NpgsqlDbType = NpgsqlDbType.Date });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(2)) active[(reader.GetString(0), reader.GetString(1))] = (int)Math.Min(int.MaxValue, reader.GetInt64(2));
        }
        return active;
    }

    /// <summary>Adds the diagnosis mix, the top failing chain and the top versions of one series in [from, to).</summary>
    public static async Task<SeriesObservation> WithContextAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        SeriesObservation observation, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyDictionary<(string App, string Version), int> active, CancellationToken ct)
    {
        var series = observation.Series;
        var mix = new Dictionary<DiagnosisCode, int>();
        var versions = new List<VersionDevices>();
        await using (var command = SeriesCommand(AlertingSql.Context, connection, transaction, series, from, to))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var devices = (int)reader.GetInt64(4);
                if (reader.GetString(0) == "d")
                {
                    var code = Diagnosis(reader.GetString(1));
                    mix[code] = mix.GetValueOrDefault(code) + devices;
                }
                else if (reader.GetString(2) is { Length: > 0 } app && reader.GetString(3) is { Length: > 0 } version)
                {
                    versions.Add(new VersionDevices(app, version, devices, active.TryGetValue((app, version), out var a) ? a : null));
                }
            }
        }

        FailingChain? chain = null;
        await using (var command = SeriesCommand(AlertingSql.TopChain, connection, transaction, series, from, to))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                chain = Chain(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), (int)reader.GetInt64(4));
            }
        }

        return observation with
        {
            DiagnosisMix = mix,
            TopChain = chain,
            TopVersions = [.. versions.OrderByDescending(v => v.Devices).ThenBy(v => v.App, StringComparer.Ordinal)
                .ThenBy(v => v.Version, StringComparer.Ordinal).Take(3)],
        };
    }

    public static DateTimeOffset Floor(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    /// <summary>
    /// Rotations are usually of intermediates, so the certificate shown is the intermediate (position 1) when the chain
    /// has one, else the leaf.
    /// </summary>
    private static FailingChain? Chain(string certificatesJson, string? leafSubject, string? leafIssuer, string? leafSpki, int devices)
    {
        var certificates = JsonSerializer.Deserialize(certificatesJson, DataJsonContext.Default.StoredCertificateArray) ?? [];
        var intermediate = certificates.FirstOrDefault(c => c.Position == 1 && c.Subject is not null && c.SpkiSha256 is not null);
        if (intermediate is not null)
        {
            return new FailingChain(KeyRole.Intermediate, intermediate.Subject!, intermediate.Issuer ?? "", intermediate.SpkiSha256!, devices);
        }
        return leafSubject is null || leafSpki is null ? null : new FailingChain(KeyRole.Leaf, leafSubject, leafIssuer ?? "", leafSpki, devices);
    }

    private static DiagnosisCode Diagnosis(string wire) =>
        Enum.GetValues<DiagnosisCode>().FirstOrDefault(c => c.ToWire() == wire, DiagnosisCode.Unknown);

    private static NpgsqlCommand SeriesCommand(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, SeriesKey series,
        DateTimeOffset from, DateTimeOffset to)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        command.Parameters.Add(Text(series.NotedHostname));
        command.Parameters.Add(Text(series.App));
        command.Parameters.Add(Text(series.Version));
        return command;
    }

    /// <summary>
    /// The series key of a GROUPING SETS row (level, app, version, noted hostname from <paramref name="o"/>), or null for a
    /// '' component or an overflow one: '(other)' collects the reports of series refused by the per-hour caps (issue #22),
    /// which are counted in the totals but are no alerting series, so junk versions cannot grow the evaluator's work.
    /// </summary>
    private static SeriesKey? Key(NpgsqlDataReader reader, int o)
    {
        string? Get(int i) => reader.IsDBNull(o + i) ? null : reader.GetString(o + i);
        return Key(reader.GetString(o), Get(1), Get(2), Get(3));
    }

    /// <summary>
    /// The series key of one level's group of <c>failure_series</c> rows, by the rule of <see cref="Key(NpgsqlDataReader, int)"/>;
    /// the backtest's in-memory counting groups the rows itself and must key them exactly alike.
    /// </summary>
    public static SeriesKey? Key(string level, string? app, string? version, string? host)
    {
        static string? Fold(string? v) => v == Ingestion.SeriesCaps.Overflow ? "" : v;
        (app, version, host) = (Fold(app), Fold(version), Fold(host));
        return level switch
        {
            "host" when host is { Length: > 0 } => SeriesKey.ForHost(host),
            "version" when app is { Length: > 0 } && version is { Length: > 0 } => SeriesKey.ForVersion(app, version),
            "version-host" when app is { Length: > 0 } && version is { Length: > 0 } && host is { Length: > 0 } =>
                SeriesKey.ForVersionHost(app, version, host),
            _ => null,
        };
    }

    // Hostnames are lower-cased on ingestion, so two rows fold into one key only in theory; the larger count is kept.
    private static void Merge(Dictionary<SeriesKey, int> counts, SeriesKey key, int devices) =>
        counts[key] = Math.Max(counts.GetValueOrDefault(key), devices);

    private static (string[] Hosts, string[] Apps, string[] Versions) Filter(IReadOnlyCollection<SeriesKey> candidates)
    {
        var hosts = candidates.Where(k => k.Level == SeriesLevel.Host).Select(k => k.NotedHostname!).Distinct().ToArray();
        var pairs = candidates.Where(k => k.Level != SeriesLevel.Host).Select(k => (k.App!, k.Version!)).Distinct().ToArray();
        return (hosts, [.. pairs.Select(p => p.Item1)], [.. pairs.Select(p => p.Item2)]);
    }

    private static void AddFilter(NpgsqlCommand command, string[] hosts, string[] apps, string[] versions)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = hosts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = apps, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = versions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
    }

    private static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
