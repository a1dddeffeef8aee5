using System.Globalization;
using Microsoft.AspNetCore.Html;

namespace ReportApi.ResponderConsole;

/// <summary>How the pages write times, shares and states: UTC, invariant culture, and a word beside every colour.</summary>
internal static class Fmt
{
    public static string Time(DateTimeOffset? t) =>
        t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "—";

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Percent(double? share) =>
        share is { } s ? (s * 100).ToString(s < 0.001 ? "0.###" : "0.#", CultureInfo.InvariantCulture) + " %" : "—";

    public static IHtmlContent Status(string status)
    {
        var css = status switch { "firing" => "bad", "acknowledged" => "warn", "resolved" => "ok", _ => "" };
        return new HtmlString($"<span class=\"badge {css}\">{System.Net.WebUtility.HtmlEncode(status)}</span>");
    }

    public static IHtmlContent Verdict(string verdict)
    {
        var css = verdict switch { "pass" => "ok", "fail" => "bad", _ => "warn" };
        return new HtmlString($"<span class=\"badge {css}\">{System.Net.WebUtility.HtmlEncode(verdict)}</span>");
    }
}
