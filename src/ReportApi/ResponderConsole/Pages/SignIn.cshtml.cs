using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using ReportApi.Auth;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>
/// An API key in, a cookie session out. The key is read from the form, compared, and dropped: it is not rendered back,
/// logged, or put in the cookie (the cookie holds the key's name, role and a digest to notice revocation).
/// </summary>
internal sealed class SignInModel(IOptionsMonitor<AuthOptions> keys, IOptions<ConsoleOptions> options, TimeProvider time) : PageModel
{
    public const int MaxKeyLength = 512;

    public string? Error { get; private set; }
    public string? ReturnUrl { get; private set; }
    public bool SignedOut { get; private set; }
    public string Lifetime => options.Value.SessionLifetime.TotalHours >= 1
        ? $"{options.Value.SessionLifetime.TotalHours:0.#} hours" : $"{options.Value.SessionLifetime.TotalMinutes:0} minutes";

    public void OnGet(string? returnUrl, bool signedOut = false)
    {
        ReturnUrl = SafeReturnUrl(returnUrl);
        SignedOut = signedOut;
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? apiKey, [FromForm] string? returnUrl)
    {
        ReturnUrl = SafeReturnUrl(returnUrl);
        if (string.IsNullOrWhiteSpace(apiKey) || apiKey.Length > MaxKeyLength)
        {
            Error = "Enter an API key.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var key = ApiKeyAuthenticationHandler.Match(keys.CurrentValue.ApiKeys, apiKey.Trim());
        if (key is null)
        {
            Error = "That API key is not valid.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleAuth.Scheme, ConsoleAuth.Principal(key), new AuthenticationProperties
        {
            IsPersistent = true,
            IssuedUtc = time.GetUtcNow(),
            ExpiresUtc = time.GetUtcNow() + options.Value.SessionLifetime,
            AllowRefresh = false,
        });
        return LocalRedirect(ReturnUrl ?? "/console/alerts");
    }

    /// <summary>Only a console path: an open redirect would turn the sign-in page into a phishing relay.</summary>
    internal static string? SafeReturnUrl(string? url) =>
        url is not null && url.StartsWith("/console/", StringComparison.Ordinal) && !url.StartsWith("/console//", StringComparison.Ordinal)
            && !url.Contains('\\') && !url.StartsWith("/console/sign-", StringComparison.Ordinal)
            ? url : null;
}
