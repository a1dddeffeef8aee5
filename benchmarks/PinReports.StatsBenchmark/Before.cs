using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Stats;

/// <summary>
/// The stats API path as it was before issue #12's second round (the zero-filled SQL with the denominators' second
/// <c>failure_stats</c> call, rows built into <see cref="FailureStats"/> objects, the reflection serialiser): timed in
/// the same run as the current path so before and after share the machine's load, and its bytes compared with the
/// streamed answer's.
/// </summary>
internal static class Before
{
    public static string Sql(IReadOnlyList<string> columns)
    {
        var g = string.Concat(columns.Select(c => $", f.{c}"));
        var fromTuples = string.Concat(columns.Select(c => $", t.{c}"));
        var groups = columns.Count == 0 ? "SELECT 1 AS one" : $"SELECT DISTINCT {string.Join(", ", columns)} FROM f";
        string On(string alias) => string.Concat(columns.Select(c => $" AND {alias}.{c} = g.{c}"));
        var order = string.Concat(columns.Select(c => $"g.{c}, "));
        var outColumns = string.Concat(columns.Select(c => $", g.{c}"));
        return $"""
            WITH f AS MATERIALIZED (
                SELECT * FROM failure_stats($10::text, $1, $2, $11::integer, $4, $5, $6, $7, $8, $9)
            ), g AS (
                {groups}
            ), tuples AS (
                SELECT DISTINCT f.app AS t_app, f.version AS t_version, f.platform AS t_platform{g}
                FROM failure_stats($10::text, $1, $2, $11::integer | 7, $4, $5, $6, $7, $8, $9, false) f
            ), buckets AS (
                SELECT generate_series($1, $2 - $3, $3) AS b
            ), activity AS (
                SELECT k.day{fromTuples}, sum(a.active_devices) AS active_devices, bool_and(a.active_devices IS NOT NULL) AS known
                FROM (SELECT DISTINCT (b AT TIME ZONE 'UTC')::date AS day FROM buckets) k
                CROSS JOIN tuples t
                LEFT JOIN app_activity a
                  ON a.app = t.t_app AND a.version = t.t_version AND a.platform = t.t_platform AND a.day = k.day
                GROUP BY k.day{fromTuples}
            )
            SELECT bk.b{outColumns},
                   coalesce(c.reports, 0)::bigint, coalesce(c.duplicates, 0)::bigint,
                   coalesce(c.reports_enforced, 0)::bigint, coalesce(c.reports_report_only, 0)::bigint,
                   coalesce(c.devices, 0)::bigint, coalesce(c.devices_enforced, 0)::bigint, coalesce(c.devices_report_only, 0)::bigint,
                   CASE WHEN act.known THEN act.active_devices END::bigint
            FROM buckets bk CROSS JOIN g
            LEFT JOIN f c ON c.bucket = bk.b{On("c")}
            LEFT JOIN activity act ON act.day = (bk.b AT TIME ZONE 'UTC')::date{On("act")}
            ORDER BY {order}bk.b
            """;
    }

    public static async Task<byte[]> RunAsync(NpgsqlDataSource dataSource, StatsRequest request)
    {
        var columns = request.GroupBy.Select(d => d.Column).ToList();
        await using var command = dataSource.CreateCommand(Sql(columns));
        command.Parameters.Add(new NpgsqlParameter { Value = request.From, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = request.To, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Interval.Step, NpgsqlDbType = NpgsqlDbType.Interval });
        foreach (var dimension in StatsDimension.All)
        {
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = request.Filters.TryGetValue(dimension, out var value) ? value : DBNull.Value,
                NpgsqlDbType = NpgsqlDbType.Text,
            });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = request.Interval.Grain, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = StatsSql.Mask(columns), NpgsqlDbType = NpgsqlDbType.Integer });

        var series = new List<FailureSeries>();
        List<FailureBucket>? buckets = null;
        string?[]? currentKey = null;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var key = new string?[columns.Count];
                for (var i = 0; i < key.Length; i++) key[i] = reader.GetString(1 + i) is { Length: > 0 } v ? v : null;
                if (currentKey is null || !key.SequenceEqual(currentKey))
                {
                    currentKey = key;
                    buckets = [];
                    series.Add(new FailureSeries(
                        request.GroupBy.Select((d, i) => (d.Name, key[i])).ToDictionary(p => p.Name, p => p.Item2), buckets));
                }
                var o = 1 + columns.Count;
                var devices = reader.GetInt64(o + 4);
                long? active = reader.IsDBNull(o + 7) ? null : reader.GetInt64(o + 7);
                var rateKnown = active > 0;
                buckets!.Add(new FailureBucket(
                    reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(o), reader.GetInt64(o + 1), reader.GetInt64(o + 2),
                    reader.GetInt64(o + 3), devices, reader.GetInt64(o + 5), reader.GetInt64(o + 6),
                    rateKnown ? active : null, rateKnown ? Math.Round((double)devices / active!.Value, 6) : null, rateKnown));
            }
        }
        var stats = new FailureStats(
            request.From, request.To, request.Interval.Name, [.. request.GroupBy.Select(d => d.Name)],
            request.Filters.ToDictionary(f => f.Key.Name, f => f.Value), series);
        return JsonSerializer.SerializeToUtf8Bytes(stats, JsonSerializerOptions.Web);
    }
}
