namespace ReportApi.Domain.Reports;

/// <summary>
/// Parses one <c>known-pins</c> entry with the RFC 7469 grammar <c>token "=" quoted-string</c> (optional whitespace
/// around each part). Hand-written instead of a regex: it runs for every pin of every report during an incident.
/// </summary>
public static class KnownPinParser
{
    private const string Sha256Directive = "pin-sha256";
    private const int Sha256Length = 32;

    /// <summary>
    /// Never fails: when the syntax does not match, <see cref="KnownPin.Directive"/> and <see cref="KnownPin.Value"/>
    /// are null; <see cref="KnownPin.Sha256"/> is set only for <c>pin-sha256</c> (any case) whose value is standard
    /// base64 of exactly 32 bytes.
    /// </summary>
    public static KnownPin Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.AsSpan();
        var i = SkipWhiteSpace(text, 0);

        var tokenStart = i;
        while (i < text.Length && IsTokenChar(text[i]))
        {
            i++;
        }

        if (i == tokenStart)
        {
            return Malformed(raw);
        }

        var tokenEnd = i;
        i = SkipWhiteSpace(text, i);
        if (i >= text.Length || text[i] != '=')
        {
            return Malformed(raw);
        }

        i = SkipWhiteSpace(text, i + 1);
        if (i >= text.Length || text[i] != '"')
        {
            return Malformed(raw);
        }

        var valueStart = i + 1;
        var closingQuote = text[valueStart..].IndexOf('"');
        if (closingQuote < 0)
        {
            return Malformed(raw);
        }

        var valueEnd = valueStart + closingQuote;
        if (SkipWhiteSpace(text, valueEnd + 1) != text.Length)
        {
            return Malformed(raw);
        }

        var directive = raw[tokenStart..tokenEnd];
        var value = raw[valueStart..valueEnd];
        var sha256 = directive.Equals(Sha256Directive, StringComparison.OrdinalIgnoreCase) ? DecodeSha256(value) : null;
        return new KnownPin(raw, directive, value, sha256);
    }

    private static KnownPin Malformed(string raw) => new(raw, null, null, null);

    private static byte[]? DecodeSha256(string value)
    {
        // Standard padded base64 of 32 bytes is exactly 44 characters; checking first also rules out the embedded
        // whitespace that Convert would otherwise tolerate.
        if (value.Length != 44)
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[Sha256Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written == Sha256Length
            ? buffer.ToArray()
            : null;
    }

    private static int SkipWhiteSpace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';
}
