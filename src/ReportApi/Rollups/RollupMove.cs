using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Rollups;

/// <summary>
/// THE one place where a stored report's rollup counts follow a change of its diagnosis (the diagnosis is part of the
/// series key): used by <c>ReportApi rediagnose</c> and by the deferred-diagnosis pass (issue 21 stored those reports as
/// <c>unknown</c>). Called in the transaction that already updated <c>reports.diagnosis</c>; given each changed report
/// and its previous code, per grain it moves one report from the old series to the new one and moves the device: out
/// of the old series' device set when no other report of that device is left there in the bucket, into the new one
/// when it counted in the old one (a device the source cap kept out stays out). Acknowledged duplicates stay where
/// they were counted: resends are not stored, so nothing says which diagnosis they would have now.
/// </summary>
/// <remarks>
/// With the rollup closer (issue #12) the hot path writes minutes only and the closer folds closed minutes into hours,
/// days and serving counts. A move updates every grain's rows directly (the hour and day rows of an open bucket are the
/// closer's partial fold) and marks the closed minutes it touched dirty (<see cref="LateMinutesSql"/>), so the serving
/// counts are recounted from consistent rows.
/// </remarks>
internal static class RollupMove
{
    /// <summary>Writer value of the minute rows that hold corrections (the minute grain is keyed by writer loop; readers sum).</summary>
    public const short CorrectionWriter = -1;

    private static readonly (string Suffix, string Field)[] Grains = RollupSchemaSql.Grains;

    // The series key of a report row, as IngestSql writes it ('' for a missing text, -1 for no enforce flag).
    private const string SeriesDims = """
        coalesce(r.app_bundle_id, ''), coalesce(r.app_version, ''), coalesce(r.app_platform, ''), r.noted_hostname,
        r.hostname, (CASE r.enforce_pinning WHEN true THEN 1 WHEN false THEN 0 ELSE -1 END)::smallint
        """;

    /// <summary>$1 ids, $2 receive times: registers the series of the reports' new diagnoses.</summary>
    public const string InsertSeries = $"""
        INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, enforce, diagnosis, first_seen_at)
        SELECT DISTINCT {SeriesDims}, r.diagnosis, now()
        FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, received_at)
        JOIN reports r ON r.id = u.id AND r.received_at = u.received_at
        ON CONFLICT (app, version, platform, noted_hostname, hostname, diagnosis, enforce) DO NOTHING
        """;

    /// <summary>$1 ids, $2 receive times, $3 previous codes; returns the number of reports moved.</summary>
    public static readonly string MoveSql = $"""
        WITH moved AS MATERIALIZED (
            SELECT r.received_at, r.device_hash, o.id AS old_series, n.id AS new_series, u.old_diagnosis,
                   r.app_bundle_id, r.app_version, r.app_platform, r.noted_hostname, r.hostname, r.enforce_pinning,
                   CASE WHEN r.device_hash IS NOT NULL
                        THEN ('x' || encode(substring(r.device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint END AS device_id
            FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS u (id, received_at, old_diagnosis)
            JOIN reports r ON r.id = u.id AND r.received_at = u.received_at AND r.diagnosis <> u.old_diagnosis
            JOIN failure_series o
              ON (o.app, o.version, o.platform, o.noted_hostname, o.hostname, o.enforce, o.diagnosis) = ({SeriesDims}, u.old_diagnosis)
            JOIN failure_series n
              ON (n.app, n.version, n.platform, n.noted_hostname, n.hostname, n.enforce, n.diagnosis) = ({SeriesDims}, r.diagnosis)
        ){string.Concat(Grains.Select(g => GrainCtes(g.Suffix, g.Field)))}{LateMinutesSql.Of("moved")}
        SELECT count(*) FROM moved
        """;

    private static string GrainCtes(string suffix, string field)
    {
        var sharded = RollupSchemaSql.ShardedByWriter(suffix);
        var writerColumn = sharded ? ", writer" : "";
        var writerValue = sharded ? $", {CorrectionWriter}::smallint" : "";
        return $"""
        , devices_{suffix} AS (
            SELECT DISTINCT date_trunc('{field}', m.received_at, 'UTC') AS bucket, m.old_series, m.new_series, m.device_id,
                   m.device_hash, m.old_diagnosis, m.app_bundle_id, m.app_version, m.app_platform, m.noted_hostname,
                   m.hostname, m.enforce_pinning
            FROM moved m
            WHERE m.device_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM failure_devices_{suffix} d
                WHERE d.bucket = date_trunc('{field}', m.received_at, 'UTC') AND d.series_id = m.old_series AND d.device_id = m.device_id)
        ), gone_{suffix} AS (
            DELETE FROM failure_devices_{suffix} d
            USING devices_{suffix} m
            WHERE d.bucket = m.bucket AND d.series_id = m.old_series AND d.device_id = m.device_id
              AND NOT EXISTS (
                SELECT 1 FROM reports r
                WHERE r.received_at >= m.bucket AND r.received_at < m.bucket + interval '1 {field}'
                  AND r.device_hash = m.device_hash AND r.diagnosis = m.old_diagnosis
                  AND r.noted_hostname = m.noted_hostname AND r.hostname = m.hostname
                  AND coalesce(r.app_bundle_id, '') = coalesce(m.app_bundle_id, '')
                  AND coalesce(r.app_version, '') = coalesce(m.app_version, '')
                  AND coalesce(r.app_platform, '') = coalesce(m.app_platform, '')
                  AND r.enforce_pinning IS NOT DISTINCT FROM m.enforce_pinning)
            RETURNING d.bucket, d.series_id
        ), added_{suffix} AS (
            INSERT INTO failure_devices_{suffix} (bucket, series_id, device_id)
            SELECT DISTINCT bucket, new_series, device_id FROM devices_{suffix} ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING bucket, series_id
        ), rollups_{suffix} AS (
            INSERT INTO failure_rollups_{suffix} AS r (bucket, series_id{writerColumn}, reports, duplicates, devices)
            SELECT bucket, series_id{writerValue}, sum(reports), 0, sum(devices)
            FROM (
                SELECT date_trunc('{field}', received_at, 'UTC') AS bucket, old_series AS series_id, -count(*) AS reports, 0 AS devices
                FROM moved GROUP BY 1, 2
                UNION ALL
                SELECT date_trunc('{field}', received_at, 'UTC'), new_series, count(*), 0 FROM moved GROUP BY 1, 2
                UNION ALL
                SELECT bucket, series_id, 0, -count(*) FROM gone_{suffix} GROUP BY 1, 2
                UNION ALL
                SELECT bucket, series_id, 0, count(*) FROM added_{suffix} GROUP BY 1, 2
            ) x
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (bucket, series_id{writerColumn}) DO UPDATE SET
                reports = r.reports + excluded.reports,
                devices = r.devices + excluded.devices
        )
        """;
    }

    /// <summary>
    /// Moves the rollup counts of reports whose stored diagnosis was just changed from <paramref name="previous"/>
    /// (same order as the ids); reports whose diagnosis did not change are ignored. Returns the number moved.
    /// </summary>
    public static async Task<int> MoveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, DateTimeOffset[] receivedAt, string[] previous, CancellationToken ct)
    {
        if (ids.Length == 0) return 0;
        await using var batch = new NpgsqlBatch(connection, transaction);
        var utc = receivedAt.Select(at => at.ToUniversalTime()).ToArray();
        var series = new NpgsqlBatchCommand(InsertSeries);
        series.Parameters.Arg(ids).Arg(utc, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz);
        batch.BatchCommands.Add(series);
        var move = new NpgsqlBatchCommand(MoveSql);
        move.Parameters.Arg(ids).Arg(utc, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(previous);
        batch.BatchCommands.Add(move);
        return Convert.ToInt32(await batch.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
