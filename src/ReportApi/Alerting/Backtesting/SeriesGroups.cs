using Npgsql;
using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The groups of <c>failure_series</c> rows the evaluator's GROUPING SETS count — per noted hostname, per app version,
/// per app version and hostname, by the stored values — with the series key of each (<see cref="SeriesObservations.Key(string, string?, string?, string?)"/>;
/// groups without one, such as the '(other)' overflow, are left out). Two groups that fold into one key (hostnames
/// differing in case, in theory only) stay two groups and the larger count wins, exactly as the SQL path merges them.
/// </summary>
internal sealed class SeriesGroups
{
    private static readonly int[] None = [];
    private readonly Dictionary<int, int[]> _ofSeries = [];
    private readonly Dictionary<SeriesKey, int[]> _ofKey = [];
    private readonly List<SeriesKey> _keys = [];

    public int Count => _keys.Count;

    /// <summary>The groups a failure series' rows count in (none for a series no level keys).</summary>
    public int[] Of(int seriesId) => _ofSeries.GetValueOrDefault(seriesId) ?? None;

    public int[] Of(SeriesKey key) => _ofKey.GetValueOrDefault(key) ?? None;

    public SeriesKey KeyOf(int group) => _keys[group];

    public static SeriesGroups From(IEnumerable<(int Id, string App, string Version, string Host)> series)
    {
        var result = new SeriesGroups();
        var index = new Dictionary<(string, string?, string?, string?), int>();
        var ofKey = new Dictionary<SeriesKey, List<int>>();
        foreach (var (id, app, version, host) in series)
        {
            var groups = new List<int>(3);
            foreach (var group in new (string Level, string? App, string? Version, string? Host)[]
                { ("host", null, null, host), ("version", app, version, null), ("version-host", app, version, host) })
            {
                if (SeriesObservations.Key(group.Level, group.App, group.Version, group.Host) is not { } key) continue;
                if (!index.TryGetValue(group, out var g))
                {
                    g = index[group] = result._keys.Count;
                    result._keys.Add(key);
                    (ofKey.TryGetValue(key, out var list) ? list : ofKey[key] = []).Add(g);
                }
                groups.Add(g);
            }
            if (groups.Count > 0) result._ofSeries[id] = [.. groups];
        }
        foreach (var (key, groups) in ofKey) result._ofKey[key] = [.. groups];
        return result;
    }

    public static async Task<SeriesGroups> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        return From(await BacktestStore.SeriesAsync(connection, transaction, ct));
    }
}
