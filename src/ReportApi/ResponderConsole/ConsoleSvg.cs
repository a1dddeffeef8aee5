using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace ReportApi.ResponderConsole;

/// <summary>One bucket of a chart.</summary>
internal sealed record ChartPoint(DateTimeOffset Start, double Value);

/// <summary>
/// Charts as inline SVG drawn on the server: no script, no request, readable with styles off. Each has a title and a
/// description for screen readers; pages put the same numbers in a table beside it.
/// </summary>
internal static class ConsoleSvg
{
    private const int Width = 720, Height = 220, Left = 44, Right = 8, Top = 12, Bottom = 30;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A bar per bucket, and a dashed line for the baseline when there is one.</summary>
    public static IHtmlContent Bars(string id, string title, string description, IReadOnlyList<ChartPoint> points,
        double? baseline = null, string? baselineLabel = null, Func<double, string>? format = null)
    {
        format ??= v => v.ToString("0.##", Inv);
        var e = HtmlEncoder.Default;
        var max = Math.Max(points.Count == 0 ? 0 : points.Max(p => p.Value), baseline ?? 0);
        max = Nice(max);
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double Y(double v) => Top + plotH - (max == 0 ? 0 : v / max * plotH);

        var svg = new StringBuilder(4096);
        svg.Append(Inv, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(Inv, $"<title id=\"{id}-title\">{e.Encode(title)}</title><desc id=\"{id}-desc\">{e.Encode(description)}</desc>");
        foreach (var tick in new[] { 0, max / 2, max })
        {
            var y = Y(tick);
            svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#c9ced6\" stroke-width=\"1\"/>");
            svg.Append(Inv, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"12\" fill=\"#4d5560\">{e.Encode(format(tick))}</text>");
        }
        if (points.Count > 0)
        {
            var step = (double)plotW / points.Count;
            var barW = Math.Max(1, step * 0.8);
            for (var i = 0; i < points.Count; i++)
            {
                var p = points[i];
                if (p.Value <= 0) continue;
                var y = Y(p.Value);
                svg.Append(Inv, $"<rect x=\"{Left + i * step + (step - barW) / 2:0.##}\" y=\"{y:0.##}\" width=\"{barW:0.##}\" height=\"{Top + plotH - y:0.##}\" fill=\"#1d4ed8\"><title>{e.Encode(Label(p.Start, points))}: {e.Encode(format(p.Value))}</title></rect>");
            }
            var span = points[^1].Start - points[0].Start;
            foreach (var i in new[] { 0, points.Count / 2, points.Count - 1 }.Distinct())
            {
                var anchor = i == 0 ? "start" : i == points.Count - 1 ? "end" : "middle";
                var x = i == 0 ? Left : i == points.Count - 1 ? Width - Right : Left + (i + 0.5) * step;
                svg.Append(Inv, $"<text x=\"{x:0.#}\" y=\"{Height - 8}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#4d5560\">{e.Encode(Label(points[i].Start, points))}</text>");
            }
        }
        if (baseline is { } b)
        {
            var y = Y(b);
            svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#b45309\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>");
            svg.Append(Inv, $"<text x=\"{Width - Right}\" y=\"{Math.Max(Top + 10, y - 5):0.#}\" text-anchor=\"end\" font-size=\"12\" fill=\"#7a3d06\">{e.Encode(baselineLabel ?? "baseline")} {e.Encode(format(b))}</text>");
        }
        svg.Append(Inv, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Top + plotH}\" stroke=\"#4d5560\"/></svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>A small proportional bar for a table cell (decorative: the cell beside it has the number).</summary>
    public static IHtmlContent Meter(double fraction)
    {
        var w = Math.Clamp(fraction, 0, 1) * 100;
        return new HtmlString(string.Create(Inv,
            $"<svg width=\"100\" height=\"10\" viewBox=\"0 0 100 10\" aria-hidden=\"true\" focusable=\"false\"><rect width=\"100\" height=\"10\" fill=\"#e5e7eb\"/><rect width=\"{w:0.#}\" height=\"10\" fill=\"#1d4ed8\"/></svg>"));
    }

    public static string Label(DateTimeOffset t, IReadOnlyList<ChartPoint> points) =>
        points.Count > 1 && points[^1].Start - points[0].Start >= TimeSpan.FromDays(1)
            ? t.UtcDateTime.ToString("MM-dd HH:mm", Inv)
            : t.UtcDateTime.ToString("HH:mm", Inv);

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="v"/>: round axis labels.</summary>
    internal static double Nice(double v)
    {
        if (v <= 0) return 1;
        var p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var m in new[] { 1, 2, 5, 10 })
        {
            if (m * p >= v) return m * p;
        }
        return 10 * p;
    }
}
