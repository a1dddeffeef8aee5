namespace ReportApi.Domain.Reports;

/// <summary>
/// Finds <c>\u</c> escapes that System.Text.Json accepts but that cannot be stored: U+0000 (Postgres text and jsonb
/// reject it) and unpaired surrogates (System.Text.Json itself throws when such a string is read or re-written).
/// Runs on already-validated JSON, where every backslash starts an escape inside a string.
/// </summary>
internal static class JsonEscapeScanner
{
    public static bool TryFindUnstorableEscape(ReadOnlySpan<byte> json, out int position, out string reason)
    {
        var i = 0;
        while (true)
        {
            var next = json[i..].IndexOf((byte)'\\');
            if (next < 0 || i + next + 1 >= json.Length)
            {
                position = -1;
                reason = "";
                return false;
            }

            i += next;
            if (json[i + 1] != (byte)'u' || !TryReadHex4(json, i + 2, out var unit))
            {
                i += 2;
                continue;
            }

            if (unit == 0)
            {
                position = i;
                reason = "an escaped NUL character (\\u0000)";
                return true;
            }

            if (char.IsHighSurrogate(unit))
            {
                if (i + 12 <= json.Length && json[i + 6] == (byte)'\\' && json[i + 7] == (byte)'u'
                    && TryReadHex4(json, i + 8, out var low) && char.IsLowSurrogate(low))
                {
                    i += 12;
                    continue;
                }

                position = i;
                reason = "an unpaired surrogate escape";
                return true;
            }

            if (char.IsLowSurrogate(unit))
            {
                position = i;
                reason = "an unpaired surrogate escape";
                return true;
            }

            i += 6;
        }
    }

    private static bool TryReadHex4(ReadOnlySpan<byte> json, int start, out char unit)
    {
        unit = '\0';
        if (start + 4 > json.Length)
        {
            return false;
        }

        var value = 0;
        for (var k = start; k < start + 4; k++)
        {
            var digit = HexValue(json[k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        unit = (char)value;
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
