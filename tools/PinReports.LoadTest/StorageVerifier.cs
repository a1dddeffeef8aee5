using Npgsql;

namespace PinReports.LoadTest;

internal sealed record VerificationResult(
    long Acknowledged,
    long Stored,
    long Missing,
    long StoredWithoutAcknowledgement,
    long StoredFromFailedRequests,
    long DuplicateRows,
    long UnrecognisedRows,
    IReadOnlyList<string> MissingExamples);

/// <summary>
/// After the run: every 204 must have its row. The server keeps <c>date_time_raw</c> as sent and only an HMAC of the
/// device, so a report is found by (hostname, date_time_raw), which the fleet made unique per report and per run.
/// </summary>
internal static class StorageVerifier
{
    public static async Task<VerificationResult> VerifyAsync(
        string connectionString, ReportFleet fleet, IReadOnlyCollection<ReportId> acknowledged, IReadOnlyCollection<ReportId> notAcknowledged,
        DateTimeOffset runStartedUtc, CancellationToken ct)
    {
        var rowsBySequence = new Dictionary<long, int>(acknowledged.Count + 1024);
        long stored = 0, unrecognised = 0;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT hostname, date_time_raw FROM reports WHERE hostname = ANY($1) AND received_at >= $2", connection);
            command.Parameters.AddWithValue(fleet.Hostnames.ToArray());
            // Server and client share the clock here; a minute of slack for a server clock that is slightly behind.
            command.Parameters.AddWithValue(runStartedUtc.AddMinutes(-1));
            command.CommandTimeout = 300;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                stored++;
                var hostname = reader.GetString(0);
                var raw = reader.IsDBNull(1) ? null : reader.GetString(1);
                if (!fleet.TryParseSequence(raw, out var seq) || fleet.HostnameFor(seq) != hostname)
                {
                    unrecognised++;
                    continue;
                }

                rowsBySequence[seq] = rowsBySequence.GetValueOrDefault(seq) + 1;
            }
        }

        long missing = 0;
        var examples = new List<string>();
        var acknowledgedSequences = new HashSet<long>(acknowledged.Count);
        foreach (var id in acknowledged)
        {
            acknowledgedSequences.Add(id.Sequence);
            if (rowsBySequence.ContainsKey(id.Sequence)) continue;
            missing++;
            if (examples.Count < 10)
            {
                examples.Add($"hostname={fleet.HostnameFor(id.Sequence)} date-time={fleet.DateTimeFor(id.Sequence)} " +
                    $"app-vendor-id={System.Text.Encoding.ASCII.GetString(fleet.Devices[id.Device].VendorId)}");
            }
        }

        var failedSequences = notAcknowledged.Select(id => id.Sequence).ToHashSet();
        long withoutAck = 0, fromFailed = 0, duplicates = 0;
        foreach (var (seq, rows) in rowsBySequence)
        {
            duplicates += rows - 1;
            if (acknowledgedSequences.Contains(seq)) continue;
            withoutAck++;
            if (failedSequences.Contains(seq)) fromFailed++;
        }

        return new VerificationResult(acknowledged.Count, stored, missing, withoutAck, fromFailed, duplicates, unrecognised, examples);
    }
}
