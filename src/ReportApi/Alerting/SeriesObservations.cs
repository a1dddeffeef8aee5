using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Diagnosis;
using ReportApi.Infrastructure.Sql;

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
        command.Parameters.Arg(from).Arg(to);
        var counts = new Dictionary<SeriesKey, int>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (level, members) = (LevelOrdinals.Of(reader), reader.GetOrdinal("members"));
        while (await reader.ReadAsync(ct))
        {
            if (level.Key(reader) is { } key) Merge(counts, key, (int)reader.GetInt64(members));
        }
        return counts;
    }

    /// <summary>Baseline samples per candidate series, in <see cref="SpikeDetector"/>'s sense (missing before the series existed).</summary>
    public static async Task<Dictionary<SeriesKey, int[]>> BaselinesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyCollection<SeriesKey> candidates, DateTimeOffset minute, DetectorOptions options, CancellationToken ct)
    {
        var (hosts, apps, versions) = Filter(candidates);
        var samples = await BaselineWindows.SamplesAsync(connection, transaction, (hosts, apps, versions), [.. SampleEnds(minute, options).Distinct()],
            options.Window, ct);
        var firstSeen = await FirstSeenAsync(connection, transaction, hosts, apps, versions, ct);
        return Assemble(candidates, minute, options, samples, firstSeen);
    }

    /// <summary>
    /// Counts by (series, window end) of <paramref name="sql"/>, shaped like <see cref="AlertingSql.BaselineDevicesAt"/>, for
    /// every series of <paramref name="filter"/> in the windows of length <paramref name="window"/> ending at <paramref name="ends"/>:
    /// the backtest's batches of the evaluator's statements, and the live evaluator's windows that cannot be stored
    /// (added to <paramref name="into"/> when given).
    /// </summary>
    public static async Task<Dictionary<(SeriesKey, DateTimeOffset), int>> CountsAtAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string sql, (string[] Hosts, string[] Apps, string[] Versions) filter, IEnumerable<DateTimeOffset> ends, TimeSpan window, CancellationToken ct,
        Dictionary<(SeriesKey, DateTimeOffset), int>? into = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Arg(filter.Hosts).Arg(filter.Apps).Arg(filter.Versions)
            .Arg(ends.Select(e => e.UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(window);
        return await SamplesAsync(command, into ?? [], ct);
    }

    /// <summary>Adds the window device counts by (series, window end) of a <see cref="AlertingSql.BaselineDevices"/>-shaped query to <paramref name="samples"/>.</summary>
    public static async Task<Dictionary<(SeriesKey, DateTimeOffset), int>> SamplesAsync(NpgsqlCommand command,
        Dictionary<(SeriesKey, DateTimeOffset), int> samples, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (level, sampleEnd, members) = (LevelOrdinals.Of(reader), reader.GetOrdinal("sample_end"), reader.GetOrdinal("members"));
        while (await reader.ReadAsync(ct))
        {
            if (level.Key(reader) is { } key)
            {
                var end = reader.GetFieldValue<DateTimeOffset>(sampleEnd);
                samples[(key, end)] = Math.Max(samples.GetValueOrDefault((key, end)), (int)reader.GetInt64(members));
            }
        }
        return samples;
    }

    public static async Task<Dictionary<SeriesKey, DateTimeOffset>> FirstSeenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string[] hosts, string[] apps, string[] versions, CancellationToken ct)
    {
        var firstSeen = new Dictionary<SeriesKey, DateTimeOffset>();
        await using var command = new NpgsqlCommand(AlertingSql.FirstSeen, connection, transaction);
        command.Parameters.Arg(hosts).Arg(apps).Arg(versions);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (level, firstSeenAt) = (LevelOrdinals.Of(reader), reader.GetOrdinal("first_seen_at"));
        while (await reader.ReadAsync(ct))
        {
            if (level.Key(reader) is not { } key) continue;
            var seen = reader.GetFieldValue<DateTimeOffset>(firstSeenAt);
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
        return (reader.GetOrNull<string[]>("hosts") ?? [], reader.GetOrNull<string[]>("apps") ?? [], reader.GetOrNull<string[]>("versions") ?? []);
    }

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
        command.Parameters.Arg(apps).Arg(versions).Arg(day);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (app, version, devices) = (reader.GetOrdinal("app"), reader.GetOrdinal("version"), reader.GetOrdinal("active_devices"));
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(devices)) active[(reader.GetString(app), reader.GetString(version))] = (int)Math.Min(int.MaxValue, reader.GetInt64(devices));
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
            var (kind, diagnosis, appColumn, versionColumn, devicesColumn) = (reader.GetOrdinal("kind"), reader.GetOrdinal("diagnosis"),
                reader.GetOrdinal("app"), reader.GetOrdinal("version"), reader.GetOrdinal("devices"));
            while (await reader.ReadAsync(ct))
            {
                var devices = (int)reader.GetInt64(devicesColumn);
                if (reader.GetString(kind) == "d")
                {
                    var code = Diagnosis(reader.GetString(diagnosis));
                    mix[code] = mix.GetValueOrDefault(code) + devices;
                }
                else if (reader.GetString(appColumn) is { Length: > 0 } app && reader.GetString(versionColumn) is { Length: > 0 } version)
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
                chain = Chain(reader.Get<string>("certificates"), reader.GetOrNull<string>("leaf_subject"), reader.GetOrNull<string>("leaf_issuer"),
                    reader.GetOrNull<string>("leaf_spki_sha256"), (int)reader.Get<long>("devices"));
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
        command.Parameters.Arg(from).Arg(to).Arg(series.NotedHostname).Arg(series.App).Arg(series.Version);
        return command;
    }

    /// <summary>The level columns of a GROUPING SETS row (<c>level, app, version, noted_hostname</c>), resolved once per query.</summary>
    private readonly record struct LevelOrdinals(int Level, int App, int Version, int Host)
    {
        public static LevelOrdinals Of(DbDataReader reader) =>
            new(reader.GetOrdinal("level"), reader.GetOrdinal("app"), reader.GetOrdinal("version"), reader.GetOrdinal("noted_hostname"));

        /// <summary>
        /// The series key of the row, or null for a '' component or an overflow one: '(other)' collects the reports of
        /// series refused by the per-hour caps (issue #22), which are counted in the totals but are no alerting series, so
        /// junk versions cannot grow the evaluator's work.
        /// </summary>
        public SeriesKey? Key(DbDataReader reader)
        {
            string? Get(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            return SeriesObservations.Key(reader.GetString(Level), Get(App), Get(Version), Get(Host));
        }
    }

    /// <summary>
    /// The series key of one level's group of <c>failure_series</c> rows, by the rule of <see cref="LevelOrdinals.Key"/>;
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
}
