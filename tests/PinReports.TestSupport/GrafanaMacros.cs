using System.Globalization;
using System.Text.RegularExpressions;

namespace PinReports.TestSupport;

/// <summary>
/// Expands the Grafana PostgreSQL macros and template variables the way Grafana does before it sends a panel's SQL,
/// so the test runs the same text the server would run (grafana/pkg/tsdb/grafana-postgresql-datasource macros).
/// </summary>
public static partial class GrafanaMacros
{
    public static string Expand(string sql, DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<string, string> variables)
    {
        var text = TimeFilter().Replace(sql, m => $"{m.Groups[1].Value.Trim()} BETWEEN '{Iso(from)}' AND '{Iso(to)}'");
        text = TimeGroup().Replace(text, m =>
        {
            var seconds = Interval(m.Groups[3].Value);
            var expression = $"floor(extract(epoch from {m.Groups[2].Value.Trim()})/{seconds})*{seconds}";
            return m.Groups[1].Value == "Alias" ? expression + " AS \"time\"" : expression;
        });
        text = text.Replace("$__timeFrom()", $"'{Iso(from)}'", StringComparison.Ordinal)
            .Replace("$__timeTo()", $"'{Iso(to)}'", StringComparison.Ordinal)
            .Replace("$__unixEpochFrom()", from.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$__unixEpochTo()", to.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        text = Variable().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return variables.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"undefined template variable ${name}");
        });
        if (text.Contains("$__", StringComparison.Ordinal)) throw new InvalidOperationException("unexpanded macro in: " + text);
        return text;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static int Interval(string value)
    {
        var number = int.Parse(value[..^1], CultureInfo.InvariantCulture);
        return value[^1] switch { 's' => number, 'm' => number * 60, 'h' => number * 3600, 'd' => number * 86400, _ => throw new FormatException(value) };
    }

    [GeneratedRegex(@"\$__timeFilter\(([^)]+)\)")]
    private static partial Regex TimeFilter();

    [GeneratedRegex(@"\$__timeGroup(Alias)?\(([^,]+),\s*'(\d+[smhd])'\)")]
    private static partial Regex TimeGroup();

    [GeneratedRegex(@"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")]
    private static partial Regex Variable();
}
