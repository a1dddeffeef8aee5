using System.Net;
using System.Text;

namespace ReportApi.Notifications;

/// <summary>
/// <c>GET /runbook</c>: docs/runbook.md, built into the service, as a page a browser opens at the anchor an alert links
/// to (<c>/runbook#server-rotation</c>). Public like <c>/docs</c>: it holds procedures, no data. The markdown is shown
/// as text; only its anchor lines become HTML, so a section link lands on its heading.
/// </summary>
internal static class RunbookEndpoint
{
    public const string Path = "/runbook";

    private static readonly Lazy<string> Page = new(Render);

    public static IEndpointRouteBuilder MapRunbook(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, () => TypedResults.Text(Page.Value, "text/html", Encoding.UTF8)).WithTags("Operations").ExcludeFromDescription();
        return app;
    }

    internal static string Markdown()
    {
        using var stream = typeof(RunbookEndpoint).Assembly.GetManifestResourceStream("runbook.md")
            ?? throw new InvalidOperationException("docs/runbook.md is not embedded in the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Render()
    {
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>PinReports runbook</title>")
            .Append("<style>body{max-width:60rem;margin:2rem auto;padding:0 1rem}pre{white-space:pre-wrap;font:15px/1.5 ui-monospace,monospace}</style>")
            .Append("</head><body><pre>");
        foreach (var line in Markdown().Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            html.Append(AnchorLine(trimmed) ?? WebUtility.HtmlEncode(trimmed)).Append('\n');
        }
        return html.Append("</pre></body></html>").ToString();
    }

    /// <summary>A line that is exactly <c>&lt;a id="code"&gt;&lt;/a&gt;</c> with a known code, kept as HTML; anything else is escaped.</summary>
    private static string? AnchorLine(string line)
    {
        const string prefix = "<a id=\"", suffix = "\"></a>";
        if (!line.StartsWith(prefix, StringComparison.Ordinal) || !line.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var id = line[prefix.Length..^suffix.Length];
        return Runbook.Sections.Contains(id) ? line : null;
    }
}
