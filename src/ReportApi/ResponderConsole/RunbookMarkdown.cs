using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Html;
using ReportApi.Domain.Diagnosis;

namespace ReportApi.ResponderConsole;

/// <summary>
/// <c>docs/runbook.md</c>, built into the service, as HTML for <c>/console/runbook</c>: the alert page's runbook link works
/// offline and always matches the running version. A deliberately small Markdown subset (headings, paragraphs, lists,
/// code, links, emphasis); everything else is text, and all text is escaped: the file is ours, but HTML from it is not
/// trusted into the page. Each heading gets GitHub's anchor, and a heading naming a diagnosis code also gets that code as
/// its anchor, so <c>#server-rotation</c> lands on its section however the heading is phrased.
/// </summary>
internal static partial class RunbookMarkdown
{
    private static readonly Lazy<string?> Source = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("runbook.md");
        if (stream is null) return null;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<IHtmlContent?> Html = new(() => Source.Value is { } md ? Render(md) : null);

    private static readonly string[] Codes = [.. Enum.GetValues<DiagnosisCode>().Select(c => c.ToWire()).OrderByDescending(c => c.Length)];

    /// <summary>The rendered runbook, or null when the build had no <c>docs/runbook.md</c>.</summary>
    public static IHtmlContent? Page => Html.Value;

    internal static IHtmlContent Render(string markdown)
    {
        var html = new StringBuilder(markdown.Length * 2);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var paragraph = new List<string>();
        string? list = null;
        var inCode = false;
        void Flush()
        {
            if (paragraph.Count > 0) html.Append("<p>").Append(Inline(string.Join(' ', paragraph))).Append("</p>\n");
            paragraph.Clear();
            if (list is not null) html.Append("</").Append(list).Append(">\n");
            list = null;
        }

        foreach (var raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (!inCode) Flush();
                html.Append(inCode ? "</code></pre>\n" : "<pre><code>");
                inCode = !inCode;
                continue;
            }
            if (inCode)
            {
                html.Append(System.Net.WebUtility.HtmlEncode(raw)).Append('\n');
                continue;
            }
            if (Heading().Match(line) is { Success: true } h)
            {
                Flush();
                var level = Math.Min(6, h.Groups[1].Length + 1);
                var text = h.Groups[2].Value;
                var code = Codes.FirstOrDefault(c => Regex.IsMatch(text, $@"(^|[^a-z-]){Regex.Escape(c)}([^a-z-]|$)"));
                if (code is not null && ids.Add(code)) html.Append("<a id=\"").Append(code).Append("\"></a>");
                var id = Slug(text);
                while (!ids.Add(id)) id += "-1";
                html.Append($"<h{level} id=\"{id}\">").Append(Inline(text)).Append($"</h{level}>\n");
                continue;
            }
            if (ListItem().Match(line) is { Success: true } li)
            {
                var kind = char.IsDigit(li.Groups[1].Value[0]) ? "ol" : "ul";
                if (list != kind)
                {
                    Flush();
                    html.Append('<').Append(kind).Append(">\n");
                    list = kind;
                }
                html.Append("<li>").Append(Inline(li.Groups[2].Value)).Append("</li>\n");
                continue;
            }
            if (line.Length == 0)
            {
                Flush();
                continue;
            }
            if (list is not null && raw.StartsWith("  ", StringComparison.Ordinal))
            {
                html.Length -= "</li>\n".Length;
                html.Append(' ').Append(Inline(line.Trim())).Append("</li>\n");
                continue;
            }
            if (list is not null) Flush();
            paragraph.Add(line);
        }
        if (inCode) html.Append("</code></pre>\n");
        Flush();
        return new HtmlString(html.ToString());
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens.</summary>
    internal static string Slug(string heading)
    {
        var text = Link().Replace(heading, "$1").ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        }
        return slug.ToString();
    }

    private static string Inline(string text)
    {
        var encoded = System.Net.WebUtility.HtmlEncode(text);
        encoded = Code().Replace(encoded, "<code>$1</code>");
        encoded = Bold().Replace(encoded, "<strong>$1</strong>");
        return Link().Replace(encoded, m =>
        {
            var url = System.Net.WebUtility.HtmlDecode(m.Groups[2].Value);
            var safe = url.StartsWith("https://", StringComparison.Ordinal) || url.StartsWith("http://", StringComparison.Ordinal)
                || url.StartsWith('#') || url.StartsWith("/console/", StringComparison.Ordinal);
            return safe ? $"<a href=\"{System.Net.WebUtility.HtmlEncode(url)}\">{m.Groups[1].Value}</a>" : m.Groups[1].Value;
        });
    }

    [GeneratedRegex(@"^(#{1,6})\s+(.+?)\s*#*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\s{0,3}([-*]|\d+\.)\s+(.*)$")]
    private static partial Regex ListItem();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
