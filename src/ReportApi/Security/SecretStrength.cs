namespace ReportApi.Security;

/// <summary>
/// Whether a configured secret looks like at least 32 random bytes (256 bits). A secret's entropy cannot be measured
/// from one sample, so this judges what a generator's output looks like: enough characters of its alphabet (64 hex,
/// 43 base64) and no visible pattern (few distinct characters, repeated pairs), which turns away demo strings,
/// passwords and typed placeholders while every <c>openssl rand -hex 32</c> / <c>-base64 32</c> passes.
/// </summary>
public static class SecretStrength
{
    /// <summary>256 bits: what an HMAC-SHA256 key or a bearer token should carry.</summary>
    public const int RequiredBits = 256;

    /// <summary>The value's strength in bits as judged from its alphabet and length, or 0 when it shows a pattern.</summary>
    public static int EstimatedBits(string value)
    {
        var text = value.Trim();
        if (text.Length == 0) return 0;
        var bitsPerChar = text.All(Uri.IsHexDigit) ? 4.0
            : text.All(IsBase64) ? 6.0
            : 6.5; // printable ASCII and beyond: ~95 symbols, but people type them, so credit a little more than base64 only
        var distinct = text.Distinct().Count();
        // n random symbols from an alphabet of a show about a·(1−e^(−n/a)) distinct ones; demanding 60 % of that never
        // fails generator output and always fails "aaaa…".
        var alphabet = Math.Pow(2, bitsPerChar);
        if (distinct < ExpectedDistinct(alphabet, text.Length) * 0.6) return 0;
        // The same for pairs of neighbours: a repeated word or pattern ("0123456789abcdef" four times) has few.
        var pairs = Enumerable.Range(0, text.Length - 1).Select(i => text.Substring(i, 2)).Distinct().Count();
        if (text.Length > 1 && pairs < ExpectedDistinct(alphabet * alphabet, text.Length - 1) * 0.6) return 0;
        return (int)(text.Length * bitsPerChar);
    }

    private static double ExpectedDistinct(double alphabet, int draws) => alphabet * (1 - Math.Exp(-draws / alphabet));

    public static bool IsStrong(string value) => EstimatedBits(value) >= RequiredBits;

    private static bool IsBase64(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_';
}
