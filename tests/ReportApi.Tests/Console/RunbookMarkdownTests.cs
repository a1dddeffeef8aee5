using ReportApi.ResponderConsole;

namespace ReportApi.Tests.Console;

public sealed class RunbookMarkdownTests
{
    [Fact]
    public void Headings_get_github_anchors_and_the_diagnosis_code_they_name_and_markup_is_escaped()
    {
        var html = RunbookMarkdown.Render("""
            # Runbook

            ## `server-rotation` — our chain changed
            Ship the **backup pin**, see [Grafana](https://grafana.example/d/x) or [evil](javascript:alert(1)).
            <script>alert(1)</script>

            - one
            - two `code`

            ```
            curl -H "Authorization: Bearer <key>"
            ```
            ## Interception (mitm)
            """).ToString()!;

        Assert.Contains("<a id=\"server-rotation\"></a><h3 id=\"server-rotation--our-chain-changed\">", html, StringComparison.Ordinal);
        Assert.Contains("<strong>backup pin</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://grafana.example/d/x\">Grafana</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<li>two <code>code</code></li>", html, StringComparison.Ordinal);
        Assert.Contains("Bearer &lt;key&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<h3 id=\"interception-mitm\">", html, StringComparison.Ordinal);
    }
}
