using System.Data;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// The backtest's reads beyond the evaluator's observations (<see cref="BacktestSql"/>), in its read-only snapshot, and
/// the trace writer's writes into the rollups.
/// </summary>
internal static class BacktestStore
{
    /// <summary>
    /// One READ ONLY REPEATABLE READ transaction: the backtest cannot write to the alert or outbox tables, and sees one
    /// consistent snapshot while ingestion goes on. JIT off, as for the evaluator (<see cref="AlertingSql.DisableJit"/>).
    /// </summary>
    public static async Task<NpgsqlTransaction> BeginReadOnlyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand(BacktestSql.ReadOnly, connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }
        await AlertingStore.DisableJitAsync(connection, transaction, ct);
        return transaction;
    }

    /// <summary>Every failure series (<see cref="BacktestSql.Series"/>).</summary>
    public static async Task<List<(int Id, string App, string Version, string Host)>> SeriesAsync(NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        var rows = new List<(int, string, string, string)>();
        await using var command = new NpgsqlCommand(BacktestSql.Series, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (id, app, version, host) = (reader.GetOrdinal("id"), reader.GetOrdinal("app"), reader.GetOrdinal("version"), reader.GetOrdinal("noted_hostname"));
        while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt32(id), reader.GetString(app), reader.GetString(version), reader.GetString(host)));
        return rows;
    }

    /// <summary>
    /// Streams the rows of <paramref name="sql"/> (<see cref="BacktestSql.DeviceRows"/> or <see cref="BacktestSql.NetworkRows"/>)
    /// with <paramref name="from"/> &lt;= bucket &lt; <paramref name="to"/>, in bucket order, as (minute number, series id, member).
    /// </summary>
    public static async Task ReadRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, DateTimeOffset from,
        DateTimeOffset to, Action<long, int, long> row, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Arg(from).Arg(to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (bucket, series, member) = (reader.GetOrdinal("bucket"), reader.GetOrdinal("series_id"), reader.GetOrdinal("member"));
        while (await reader.ReadAsync(ct))
        {
            row(reader.GetFieldValue<DateTime>(bucket).Ticks / TimeSpan.TicksPerMinute, reader.GetInt32(series), reader.GetInt64(member));
        }
    }

    /// <summary>The failure series of a trace line; its first-seen time moves earlier, never later. Returns its id.</summary>
    public static async Task<int> UpsertTraceSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string app, string version,
        string host, string diagnosis, DateTimeOffset firstSeen, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(BacktestSql.UpsertTraceSeries, connection, transaction);
        command.Parameters.Arg(app).Arg(version).Arg(host).Arg(diagnosis).Arg(firstSeen);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.Get<int>("id");
    }

    /// <summary>One slice of trace lines (<see cref="BacktestSql.WriteTraceMinutes"/>), one array element per line.</summary>
    public static async Task WriteTraceMinutesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTime[] minutes, int[] seriesIds,
        int[] reports, int[] devices, long[] firstDevices, int[] networks, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(BacktestSql.WriteTraceMinutes, connection, transaction);
        command.Parameters.Arg(minutes, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz).Arg(seriesIds).Arg(reports).Arg(devices).Arg(firstDevices).Arg(networks);
        await command.ExecuteNonQueryAsync(ct);
    }
}
