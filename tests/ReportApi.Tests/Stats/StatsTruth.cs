using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Compares <c>GET /v1/stats/failures</c> with a count made directly from the stored rows, for whatever window,
/// interval, grouping and filters the response says it answered. Only non-zero cells are compared (the API
/// zero-fills), and duplicates are left out when the truth is the raw reports (a duplicate is not stored).
/// </summary>
internal static class StatsTruth
{
    private static readonly (string Api, string Series, string Report)[] Dimensions =
    [
        ("app", "app", "coalesce(app_bundle_id, '')"), ("version", "version", "coalesce(app_version, '')"),
        ("platform", "platform", "coalesce(app_platform, '')"), ("hostname", "hostname", "hostname"),
        ("notedHostname", "noted_hostname", "noted_hostname"), ("diagnosis", "diagnosis", "diagnosis"),
    ];

    /// <summary>One cell: reports, reports enforced, reports report-only, devices, devices enforced, devices report-only.</summary>
    internal sealed record Cell(long Reports, long ReportsEnforced, long ReportsReportOnly, long Devices, long DevicesEnforced, long DevicesReportOnly);

    public static async Task AssertMatchesReportsAsync(TestApp app, string query) =>
        await AssertMatchesAsync(app, query, fromReports: true);

    /// <summary>After a device deletion: report counts are aggregates without identity and stay; devices must match.</summary>
    public static async Task AssertDevicesMatchReportsAsync(TestApp app, string query) =>
        await AssertMatchesAsync(app, query, fromReports: true, devicesOnly: true);

    /// <summary>For data written straight into the minute tables (an old release's rollups, a simulated writer).</summary>
    public static async Task AssertMatchesMinuteSetsAsync(TestApp app, string query) =>
        await AssertMatchesAsync(app, query, fromReports: false);

    private static async Task AssertMatchesAsync(TestApp app, string query, bool fromReports, bool devicesOnly = false)
    {
        var json = await KnownTraffic.StatsAsync(app, query);
        var from = json.GetProperty("from").GetDateTimeOffset();
        var to = json.GetProperty("to").GetDateTimeOffset();
        var step = json.GetProperty("interval").GetString() switch
        {
            "1m" => TimeSpan.FromMinutes(1), "5m" => TimeSpan.FromMinutes(5), "1h" => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1),
        };
        var groupBy = json.GetProperty("groupBy").EnumerateArray().Select(e => e.GetString()!).ToList();
        var filters = json.GetProperty("filters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        var api = new SortedDictionary<string, Cell>(StringComparer.Ordinal);
        foreach (var series in json.GetProperty("series").EnumerateArray())
        {
            var key = string.Join("|", groupBy.Select(g => series.GetProperty("key").GetProperty(g).GetString() ?? ""));
            foreach (var b in series.GetProperty("buckets").EnumerateArray())
            {
                var cell = new Cell(b.GetProperty("reports").GetInt64(), b.GetProperty("reportsEnforced").GetInt64(),
                    b.GetProperty("reportsReportOnly").GetInt64(), b.GetProperty("devices").GetInt64(),
                    b.GetProperty("devicesEnforced").GetInt64(), b.GetProperty("devicesReportOnly").GetInt64());
                if (devicesOnly) cell = cell with { Reports = 0, ReportsEnforced = 0, ReportsReportOnly = 0 };
                if (cell != new Cell(0, 0, 0, 0, 0, 0)) api[$"{b.GetProperty("start").GetDateTimeOffset().UtcDateTime:O} {key}"] = cell;
            }
        }

        var truth = fromReports
            ? await ReportsTruthAsync(app, from, to, step, groupBy, filters)
            : await MinuteSetsTruthAsync(app, from, to, step, groupBy, filters);
        if (devicesOnly)
        {
            truth = new(truth.Select(p => (p.Key, Cell: p.Value with { Reports = 0, ReportsEnforced = 0, ReportsReportOnly = 0 }))
                .Where(p => p.Cell != new Cell(0, 0, 0, 0, 0, 0)).ToDictionary(p => p.Key, p => p.Cell), StringComparer.Ordinal);
        }
        Assert.True(truth.SequenceEqual(api), $"""
            {query} (from {from:O} to {to:O}) differs from the {(fromReports ? "raw reports" : "minute device sets")}:
            truth: {string.Join("; ", truth.Select(p => $"{p.Key} {p.Value}"))}
            api:   {string.Join("; ", api.Select(p => $"{p.Key} {p.Value}"))}
            """);
        await AssertDenominatorsAsync(app, json, query, from, to, step, groupBy, filters);
    }

    /// <summary>
    /// Every bucket's <c>activeDevices</c> against its definition: the sum of the day's activity over the (app, version,
    /// platform) tuples with a minute rollup row in the group during the window, known only when each has a row and
    /// the sum is above zero (issue #12: the API reads the tuples from the coarsest rollups that hold them).
    /// </summary>
    private static async Task AssertDenominatorsAsync(
        TestApp app, JsonElement json, string query, DateTimeOffset from, DateTimeOffset to, TimeSpan step, List<string> groupBy, Dictionary<string, string> filters)
    {
        var api = new SortedDictionary<string, long?>(StringComparer.Ordinal);
        foreach (var series in json.GetProperty("series").EnumerateArray())
        {
            var key = string.Join("|", groupBy.Select(g => series.GetProperty("key").GetProperty(g).GetString() ?? ""));
            foreach (var b in series.GetProperty("buckets").EnumerateArray())
            {
                long? active = b.GetProperty("activeDevices").ValueKind == JsonValueKind.Null ? null : b.GetProperty("activeDevices").GetInt64();
                Assert.Equal(active is not null, b.GetProperty("rateKnown").GetBoolean());
                api[$"{b.GetProperty("start").GetDateTimeOffset().UtcDateTime:O} {key}"] = active;
            }
        }
        if (api.Count == 0) return;
        var keys = groupBy.Select(g => "s." + Dimensions.Single(d => d.Api == g).Series).ToList();
        var keySql = keys.Count == 0 ? "''" : string.Join(" || '|' || ", keys);
        var where = string.Concat(filters.Select((f, i) => $" AND s.{Dimensions.Single(d => d.Api == f.Key).Series} = ${4 + i}"));
        var sql = $"""
            WITH t AS (
                SELECT DISTINCT {keySql} AS k, s.app, s.version, s.platform
                FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id
                WHERE r.bucket >= $1 AND r.bucket < $2{where}
            )
            SELECT (d.d AT TIME ZONE 'UTC')::date, t.k,
                   CASE WHEN bool_and(a.active_devices IS NOT NULL) AND sum(a.active_devices) > 0 THEN sum(a.active_devices)::bigint END
            FROM generate_series(date_trunc('day', $1, 'UTC'), $2 - $3, interval '1 day') AS d (d)
            CROSS JOIN t
            LEFT JOIN app_activity a ON a.app = t.app AND a.version = t.version AND a.platform = t.platform AND a.day = (d.d AT TIME ZONE 'UTC')::date
            GROUP BY 1, 2
            """;
        var truth = new Dictionary<(DateOnly, string), long?>();
        await using (var command = app.Db.CreateCommand(sql))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = step, NpgsqlDbType = NpgsqlDbType.Interval });
            foreach (var f in filters.Values) command.Parameters.Add(new NpgsqlParameter { Value = f, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                truth[(reader.GetFieldValue<DateOnly>(0), reader.GetString(1))] = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            }
        }
        var expected = new SortedDictionary<string, long?>(StringComparer.Ordinal);
        foreach (var cell in api.Keys)
        {
            var start = DateTime.Parse(cell[..cell.IndexOf(' ')], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            expected[cell] = truth.TryGetValue((DateOnly.FromDateTime(start), cell[(cell.IndexOf(' ') + 1)..]), out var t) ? t : null;
        }
        Assert.True(expected.SequenceEqual(api), $"""
            {query} (from {from:O} to {to:O}): denominators differ from the minute rollups' tuples:
            truth: {string.Join("; ", expected.Where(p => p.Value != api[p.Key]).Take(20).Select(p => $"{p.Key} {p.Value}"))}
            api:   {string.Join("; ", api.Where(p => p.Value != expected[p.Key]).Take(20).Select(p => $"{p.Key} {p.Value}"))}
            """);
    }

    private static async Task<SortedDictionary<string, Cell>> ReportsTruthAsync(
        TestApp app, DateTimeOffset from, DateTimeOffset to, TimeSpan step, List<string> groupBy, Dictionary<string, string> filters)
    {
        var keys = groupBy.Select(g => Dimensions.Single(d => d.Api == g).Report).ToList();
        var key = keys.Count == 0 ? "''" : string.Join(" || '|' || ", keys);
        var where = string.Concat(filters.Select((f, i) => $" AND {Dimensions.Single(d => d.Api == f.Key).Report} = ${4 + i}"));
        var sql = $"""
            SELECT date_bin($3, received_at, timestamptz '2000-01-01 00:00:00+00'), {key},
                   count(*), count(*) FILTER (WHERE enforce_pinning IS TRUE), count(*) FILTER (WHERE enforce_pinning IS FALSE),
                   count(DISTINCT device_hash), count(DISTINCT device_hash) FILTER (WHERE enforce_pinning IS TRUE),
                   count(DISTINCT device_hash) FILTER (WHERE enforce_pinning IS FALSE)
            FROM reports WHERE received_at >= $1 AND received_at < $2{where}
            GROUP BY 1, 2
            """;
        return await ReadAsync(app, sql, from, to, step, filters.Values, (r, k) => new Cell(
            r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7)));
    }

    private static async Task<SortedDictionary<string, Cell>> MinuteSetsTruthAsync(
        TestApp app, DateTimeOffset from, DateTimeOffset to, TimeSpan step, List<string> groupBy, Dictionary<string, string> filters)
    {
        var keys = groupBy.Select(g => "s." + Dimensions.Single(d => d.Api == g).Series).ToList();
        var key = keys.Count == 0 ? "''" : string.Join(" || '|' || ", keys);
        var where = string.Concat(filters.Select((f, i) => $" AND s.{Dimensions.Single(d => d.Api == f.Key).Series} = ${4 + i}"));
        var counts = await ReadAsync(app, $"""
            SELECT date_bin($3, r.bucket, timestamptz '2000-01-01 00:00:00+00'), {key}, sum(r.reports)::bigint,
                   coalesce(sum(r.reports) FILTER (WHERE s.enforce = 1), 0)::bigint, coalesce(sum(r.reports) FILTER (WHERE s.enforce = 0), 0)::bigint
            FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id
            WHERE r.bucket >= $1 AND r.bucket < $2{where}
            GROUP BY 1, 2
            """, from, to, step, filters.Values, (r, k) => new Cell(r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), 0, 0, 0));
        var devices = await ReadAsync(app, $"""
            SELECT date_bin($3, d.bucket, timestamptz '2000-01-01 00:00:00+00'), {key}, count(DISTINCT d.device_id),
                   count(DISTINCT d.device_id) FILTER (WHERE s.enforce = 1), count(DISTINCT d.device_id) FILTER (WHERE s.enforce = 0)
            FROM failure_devices_minute d JOIN failure_series s ON s.id = d.series_id
            WHERE d.bucket >= $1 AND d.bucket < $2{where}
            GROUP BY 1, 2
            """, from, to, step, filters.Values, (r, k) => new Cell(0, 0, 0, r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));
        foreach (var (k, d) in devices)
        {
            counts[k] = counts.TryGetValue(k, out var c) ? c with { Devices = d.Devices, DevicesEnforced = d.DevicesEnforced, DevicesReportOnly = d.DevicesReportOnly } : d;
        }
        foreach (var k in counts.Where(p => p.Value == new Cell(0, 0, 0, 0, 0, 0)).Select(p => p.Key).ToList()) counts.Remove(k);
        return counts;
    }

    private static async Task<SortedDictionary<string, Cell>> ReadAsync(
        TestApp app, string sql, DateTimeOffset from, DateTimeOffset to, TimeSpan step, IEnumerable<string> filters,
        Func<NpgsqlDataReader, string, Cell> cell)
    {
        await using var command = app.Db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = step, NpgsqlDbType = NpgsqlDbType.Interval });
        foreach (var f in filters) command.Parameters.Add(new NpgsqlParameter { Value = f, NpgsqlDbType = NpgsqlDbType.Text });
        var result = new SortedDictionary<string, Cell>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var key = $"{reader.GetFieldValue<DateTimeOffset>(0).UtcDateTime:O} {reader.GetString(1)}";
            var c = cell(reader, key);
            if (c != new Cell(0, 0, 0, 0, 0, 0)) result[key] = c;
        }
        return result;
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
