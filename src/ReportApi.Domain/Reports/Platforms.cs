using System.Diagnostics.CodeAnalysis;

namespace ReportApi.Domain.Reports;

/// <summary>
/// The one platform rule (issue #18): upper case, surrounding whitespace dropped, and TrustKit 1.2.2-1.3.x's <c>OSX</c>
/// spelled <c>MACOS</c>, as ingestion stores it. Every input kind uses it: a report's <c>app-platform</c>, a query
/// filter (<c>/v1/reports</c>, <c>/v1/stats/failures</c>, <c>/v1/pins</c>), an activity row, an <c>Advisory:Apps</c> entry.
/// </summary>
public static class Platforms
{
    public const string MacOs = "MACOS";

    /// <summary>
    /// Null stays null; blank becomes "" (callers decide: a report without a platform stores null, a blank filter
    /// matches nothing, as it always did); anything else upper case with OSX as MACOS.
    /// </summary>
    [return: NotNullIfNotNull(nameof(sent))]
    public static string? Normalise(string? sent)
    {
        if (sent is null) return null;
        var trimmed = sent.AsSpan().Trim();
        if (trimmed.IsEmpty) return "";
        if (trimmed.Equals("OSX", StringComparison.OrdinalIgnoreCase)) return MacOs;
        return (trimmed.Length == sent.Length ? sent : trimmed.ToString()).ToUpperInvariant();
    }

    /// <summary>
    /// Equal under <see cref="Normalise"/> for values without surrounding whitespace, without allocating: the advisory
    /// looks a version up on every app start.
    /// </summary>
    public static bool Equivalent(string x, string y) => string.Equals(Canonical(x), Canonical(y), StringComparison.OrdinalIgnoreCase);

    /// <summary>A hash consistent with <see cref="Equivalent"/>.</summary>
    public static int GetHashCode(string platform) => StringComparer.OrdinalIgnoreCase.GetHashCode(Canonical(platform));

    private static string Canonical(string platform) => platform.Equals("OSX", StringComparison.OrdinalIgnoreCase) ? MacOs : platform;
}
