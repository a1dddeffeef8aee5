using Microsoft.AspNetCore.Mvc.Filters;

namespace ReportApi.ResponderConsole;

/// <summary>
/// Headers of every console page. No script may run at all (the console needs none); the one inline stylesheet is
/// allowed by its hash; forms post only to this origin; no page may be framed; incident data is never cached.
/// </summary>
internal sealed class ConsoleHeaders : IPageFilter
{
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src '{ConsoleCss.Hash}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
    }

    public void OnPageHandlerSelected(PageHandlerSelectedContext context) { }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context) => Apply(context.HttpContext.Response);

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context) { }
}
