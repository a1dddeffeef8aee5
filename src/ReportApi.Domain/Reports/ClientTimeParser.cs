using System.Globalization;

namespace ReportApi.Domain.Reports;

/// <summary>Date parsing for <c>date-time</c> and the two expiration keys (reference §7.3 items 21-22).</summary>
internal static class ClientTimeParser
{
    private static readonly string[] DateTimeFormats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    private const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    public static bool TryParseDateTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture, Styles, out value);

    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>
    /// TrustKit-Android writes device-local wall-clock time followed by a literal <c>Z</c>; only an explicit numeric
    /// offset (never produced by TrustKit, but possible from forks) makes its value a real instant.
    /// </summary>
    public static ClientTimeQuality QualityOfParsed(string text, ReportDialect dialect) =>
        dialect == ReportDialect.TrustKitAndroid && !HasNumericOffset(text)
            ? ClientTimeQuality.LocalWithLiteralZ
            : ClientTimeQuality.Utc;

    private static bool HasNumericOffset(string text)
    {
        var timeStart = text.IndexOf('T', StringComparison.Ordinal);
        return timeStart >= 0 && text.AsSpan(timeStart).IndexOfAny('+', '-') >= 0;
    }
}
