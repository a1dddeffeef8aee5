using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Auth;
using ReportApi.Hosting;

namespace ReportApi.Privacy;

/// <summary>
/// <c>DELETE /v1/devices/{vendorId}</c> (admin): a data-subject request. The raw install id is hashed on the way in
/// with the same key as at ingest, so the service never needs to have stored it.
/// </summary>
internal static class PrivacyEndpoints
{
    public static RouteGroupBuilder MapPrivacy(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/devices").WithTags("Privacy").RequireAuthorization(Policies.Admin);
        group.MapDelete("{vendorId}", DeleteDeviceAsync)
            .WithName("DeleteDevice")
            .WithSummary("Delete everything stored about one install (its app-vendor-id), for data-subject requests")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    private static async Task<Results<Ok<DeviceDeletion>, ProblemHttpResult>> DeleteDeviceAsync(
        string vendorId, DeviceIdHasher hasher, Ingestion.SourceNetworks networks, NpgsqlDataSource dataSource, ILoggerFactory loggers,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(vendorId) || vendorId.Length > 256)
        {
            return Problems.BadRequest("Invalid vendor id", "vendorId", "Pass the app-vendor-id exactly as the app sends it (1 to 256 characters).");
        }
        var hash = hasher.Hash(vendorId)!;
        // One transaction: the raw reports and every derived per-device row go together, or nothing does.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var wait = new NpgsqlCommand(PrivacySql.WaitForCloser, connection, transaction))
        {
            wait.Parameters.Add(new NpgsqlParameter("lock_key", NpgsqlDbType.Bigint) { Value = Rollups.RollupsSql.LockKey });
            await wait.ExecuteNonQueryAsync(ct);
        }
        int deleted;
        await using (var reports = new NpgsqlCommand(PrivacySql.DeleteReports, connection, transaction))
        {
            reports.Parameters.Add(new NpgsqlParameter("device_hash", NpgsqlDbType.Bytea) { Value = hash });
            deleted = await reports.ExecuteNonQueryAsync(ct);
        }
        foreach (var sql in PrivacySql.DeleteRollupDevices.Prepend(PrivacySql.DeleteInventoryDevices))
        {
            await using var derived = new NpgsqlCommand(sql, connection, transaction);
            derived.Parameters.Add(new NpgsqlParameter("device_hash", NpgsqlDbType.Bytea) { Value = hash });
            await derived.ExecuteNonQueryAsync(ct);
        }
        await using (var network = new NpgsqlCommand(PrivacySql.DeleteKeyedNetwork, connection, transaction))
        {
            network.Parameters.Add(new NpgsqlParameter("network_id", NpgsqlDbType.Bigint) { Value = networks.Keyed(hash, Guid.Empty) });
            await network.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        // The log names the pseudonym, never the raw id: the log must not become the copy we just deleted.
        loggers.CreateLogger("ReportApi.Privacy").LogInformation("Deleted {Reports} reports of device {Device} on request", deleted, Convert.ToHexStringLower(hash.AsSpan(0, 8)));
        return TypedResults.Ok(new DeviceDeletion(Convert.ToHexStringLower(hash.AsSpan(0, 8)), deleted));
    }

    internal sealed record DeviceDeletion(string Device, int ReportsDeleted);
}
