using System.Security.Cryptography;
using System.Text;

namespace ReportApi.ResponderConsole;

/// <summary>
/// The console's only stylesheet, inlined in every page (no request, works offline) and allowed by the CSP through its
/// hash. Colours meet WCAG AA contrast on white; state is never told by colour alone (every badge has its word).
/// </summary>
internal static class ConsoleCss
{
    public const string Text = """
        :root{--fg:#1b1f24;--muted:#4d5560;--line:#c9ced6;--bg:#fff;--soft:#f3f5f8;--link:#0b57d0;--bad:#a4161a;--badbg:#fde8e8;--ok:#1e6b34;--okbg:#e3f4e8;--warn:#7a4b00;--warnbg:#fff3d6;--pin:#5b2a86;--pinbg:#f1e8fb}
        *{box-sizing:border-box}
        body{margin:0;overflow-wrap:anywhere;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        a{color:var(--link)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
        header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.6rem 1rem;background:#102a43;color:#fff}
        header.top a{color:#fff}header.top .brand{font-weight:700;text-decoration:none}
        header.top nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
        header.top nav a[aria-current=page]{text-decoration-thickness:3px}
        header.top .who{margin-left:auto;display:flex;gap:.75rem;align-items:center}
        header.top form{margin:0}header.top button{background:transparent;color:#fff;border:1px solid #fff}
        main{max-width:1200px;margin:0 auto;padding:1rem}
        h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid var(--line)}
        .muted{color:var(--muted)}code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem}
        .mono{word-break:break-all}
        table{overflow-wrap:normal}td.mono,td .mono{word-break:normal}td.wrap{overflow-wrap:anywhere;min-width:14rem}td form button{white-space:nowrap}
        pre{background:var(--soft);padding:.75rem;overflow:auto;max-height:32rem;border:1px solid var(--line)}
        .scroll{overflow-x:auto;border:1px solid var(--line)}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
        thead th{background:var(--soft);white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        button,.button{font:inherit;padding:.35rem .8rem;border:1px solid var(--link);background:var(--link);color:#fff;border-radius:4px;cursor:pointer;text-decoration:none;display:inline-block}
        button.secondary,.button.secondary{background:#fff;color:var(--link)}
        label{display:block;font-weight:600;margin:.5rem 0 .2rem}
        input,select,textarea{font:inherit;padding:.35rem;border:1px solid #6b7280;border-radius:4px;max-width:100%}
        textarea{width:100%;font-family:ui-monospace,monospace;font-size:.8rem}
        .filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:0 1rem;align-items:end}
        .filters .actions{display:flex;gap:.5rem;padding:.5rem 0}
        .badge{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.85rem;font-weight:600;border:1px solid currentColor;white-space:nowrap}
        .bad{color:var(--bad);background:var(--badbg)}.ok{color:var(--ok);background:var(--okbg)}.warn{color:var(--warn);background:var(--warnbg)}
        .pinned{border-left:6px solid var(--pin);background:var(--pinbg)}
        .notice{padding:.6rem .8rem;border:1px solid var(--line);background:var(--soft);margin:1rem 0}
        .notice.error{border-color:var(--bad);background:var(--badbg)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0;align-content:start}dl.facts dt{font-weight:600;color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
        .chains{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
        ol.certs{list-style:none;padding:0;margin:0}ol.certs li{border:1px solid var(--line);padding:.5rem .75rem;margin:0 0 .5rem}
        .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
        svg.chart{width:100%;height:auto;max-height:260px;display:block}
        .signin{max-width:26rem;margin:3rem auto}
        nav.pager{display:flex;gap:1rem;margin:.75rem 0}
        @media (max-width:600px){main{padding:.5rem}th,td{padding:.3rem}dl.facts{grid-template-columns:1fr}}
        """;

    /// <summary>The CSP source that allows exactly this stylesheet.</summary>
    public static readonly string Hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));
}
