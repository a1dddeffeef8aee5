using System.Globalization;
using System.Text;

namespace ReportApi.Query;

/// <summary>
/// RFC 4180 CSV of report summaries, streamed row by row. Cells that a spreadsheet would run as a formula
/// (<c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab, CR) are prefixed with <c>'</c>: report fields come from the internet.
/// </summary>
internal static class ReportCsv
{
    public const string Header =
        "id,received_at,dialect,app,version,platform,hostname,noted_hostname,validation_result,enforce_pinning,diagnosis,device,client_date_time,leaf_subject,leaf_issuer,leaf_spki_sha256,known_pins,authenticated\r\n";

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<ReportSummary> rows, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        await writer.WriteAsync(Header);
        var line = new StringBuilder(512);
        await foreach (var r in rows.WithCancellation(ct))
        {
            line.Clear();
            Cell(line, r.Id.ToString()); Cell(line, r.ReceivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            Cell(line, r.Dialect); Cell(line, r.App); Cell(line, r.Version); Cell(line, r.Platform);
            Cell(line, r.Hostname); Cell(line, r.NotedHostname);
            Cell(line, r.ValidationResult?.ToString(CultureInfo.InvariantCulture));
            Cell(line, r.EnforcePinning switch { true => "true", false => "false", null => null });
            Cell(line, r.Diagnosis); Cell(line, r.Device); Cell(line, r.ClientDateTime);
            Cell(line, r.LeafSubject); Cell(line, r.LeafIssuer); Cell(line, r.LeafSpkiSha256);
            Cell(line, string.Join(' ', r.KnownPins));
            Cell(line, r.Authenticated ? "true" : "false", last: true);
            await writer.WriteAsync(line, ct);
        }
        await writer.FlushAsync(ct);
    }

    internal static void Cell(StringBuilder line, string? value, bool last = false)
    {
        if (!string.IsNullOrEmpty(value))
        {
            var guarded = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
            if (guarded.AsSpan().IndexOfAny(",\"\r\n") >= 0) line.Append('"').Append(guarded.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else line.Append(guarded);
        }
        line.Append(last ? "\r\n" : ",");
    }
}
