using Npgsql;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Privacy;

/// <summary>The data-subject deletion of <see cref="PrivacySql"/>: one transaction over every table that holds a device.</summary>
internal sealed class PrivacyStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Deletes the reports of the device with this hash and every derived per-device row (pin inventory, rollup and
    /// serving device counts, its keyed network), together or not at all; returns the number of reports deleted.
    /// </summary>
    public async Task<int> DeleteDeviceAsync(byte[] deviceHash, long keyedNetworkId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // A running rollup closer finishes first, so a fold of its snapshot never re-adds the device.
        await ExecuteAsync(connection, transaction, PrivacySql.WaitForCloser, p => p.Arg("lock_key", Rollups.RollupsSql.LockKey), ct);
        // And a running alert evaluation (it holds its lock to commit), so no stored baseline window is written from a
        // snapshot that still held the device after this deletes the windows that did.
        await ExecuteAsync(connection, transaction, PrivacySql.WaitForCloser, p => p.Arg("lock_key", Data.AlertBaselineSchemaSql.EvaluationLockKey), ct);
        var deleted = await ExecuteAsync(connection, transaction, PrivacySql.DeleteReports, p => p.Arg("device_hash", deviceHash), ct);
        foreach (var sql in PrivacySql.DeleteRollupDevices.Prepend(PrivacySql.DeleteInventoryDevices).Prepend(PrivacySql.DeleteBaselineWindows)
            .Append(Rollups.ChainsSql.DeleteDevice))
        {
            await ExecuteAsync(connection, transaction, sql, p => p.Arg("device_hash", deviceHash), ct);
        }
        await ExecuteAsync(connection, transaction, PrivacySql.DeleteKeyedNetwork, p => p.Arg("network_id", keyedNetworkId), ct);
        await transaction.CommitAsync(ct);
        return deleted;
    }

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, Action<NpgsqlParameterCollection> bind, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        bind(command.Parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
