using System.Text.Json;
using System.Text.Unicode;

namespace ReportApi.Domain.Reports;

/// <summary>
/// Turns a request body into normalised reports (api-contract.md, ingest). The body is one report object or an
/// array of them; it is all-or-nothing: any problem in any report means no report is returned, and the problems
/// of every report are listed with RFC 6901 pointers into the body.
/// </summary>
public static class ReportBodyParser
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static BodyParseResult Parse(ReadOnlySpan<byte> utf8Json, ReportLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);

        var body = utf8Json.StartsWith(Utf8Bom) ? utf8Json[Utf8Bom.Length..] : utf8Json;
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Rejected("", "The request body is empty; expected a pin-validation report object or an array of them.");
        }

        if (!Utf8.IsValid(body))
        {
            return Rejected("", $"The body is not valid UTF-8 (first invalid byte at offset {FirstInvalidUtf8Offset(body)}).");
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
            document = JsonDocument.ParseValue(ref reader);

            // ParseValue stops after the first value; reading on makes the reader reject trailing content.
            if (reader.Read())
            {
                document.Dispose();
                return Rejected("", "The body holds more than one JSON value.");
            }
        }
        catch (JsonException exception)
        {
            // The reader's message carries the 0-based line and byte position, and names a depth overrun.
            return Rejected("", "The body is not valid JSON: " + exception.Message);
        }

        using (document)
        {
            if (JsonEscapeScanner.TryFindUnstorableEscape(body, out var position, out var reason))
            {
                return Rejected("", $"The body contains {reason} at byte offset {position}; such strings cannot be stored.");
            }

            return ParseRoot(document.RootElement, limits);
        }
    }

    private static BodyParseResult ParseRoot(JsonElement root, ReportLimits limits)
    {
        var problems = new ProblemList();
        using var parser = new ReportObjectParser(limits, problems);

        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                var single = parser.Parse(root, "");
                return single is null ? new BodyParseResult([], problems.ToList()) : new BodyParseResult([single], []);

            case JsonValueKind.Array:
                return ParseArray(root, limits, parser, problems);

            default:
                return Rejected(
                    "",
                    $"The body is {JsonKinds.Describe(root.ValueKind)}; expected a pin-validation report object or an array of up to {limits.MaxReportsPerRequest} of them.");
        }
    }

    private static BodyParseResult ParseArray(JsonElement root, ReportLimits limits, ReportObjectParser parser, ProblemList problems)
    {
        var count = root.GetArrayLength();
        if (count == 0)
        {
            return Rejected("", "The body is an empty array; send at least one report.");
        }

        if (count > limits.MaxReportsPerRequest)
        {
            return Rejected("", $"The body holds {count} reports; at most {limits.MaxReportsPerRequest} are accepted per request.");
        }

        var reports = new List<PinFailureReport>(count);
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var pointer = JsonPointer.Append("", index);
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add(pointer, $"Each element must be a report object; found {JsonKinds.Describe(element.ValueKind)}.");
            }
            else if (parser.Parse(element, pointer) is { } report)
            {
                reports.Add(report);
            }

            index++;
        }

        return problems.TotalCount == 0 ? new BodyParseResult(reports, []) : new BodyParseResult([], problems.ToList());
    }

    private static BodyParseResult Rejected(string pointer, string message) => new([], [new ReportProblem(pointer, message)]);

    private static int FirstInvalidUtf8Offset(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }
}
