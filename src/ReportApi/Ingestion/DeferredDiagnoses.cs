using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Ingestion;

/// <summary>The writer's side of deferred diagnoses: list a batch's deferred reports in the same transaction as the reports.</summary>
internal static class DeferredDiagnoses
{
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<WriteRequest> batch, DateTimeOffset now)
    {
        List<Guid>? ids = null;
        List<DateTimeOffset>? receivedAt = null;
        foreach (var request in batch)
        {
            foreach (var record in request.Records)
            {
                if (!record.DiagnosisDeferred) continue;
                (ids ??= []).Add(record.Id);
                (receivedAt ??= []).Add(record.ReceivedAt);
            }
        }
        if (ids is null) return;

        await using var command = new NpgsqlCommand(DeferredDiagnosisSql.Record, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = receivedAt!.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync();
    }
}
