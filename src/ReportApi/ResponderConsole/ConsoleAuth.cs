using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ReportApi.Alerting;
using ReportApi.Auth;

namespace ReportApi.ResponderConsole;

/// <summary>
/// The console's cookie session. Only console endpoints name this scheme: the JSON API authenticates with the default
/// (bearer) scheme alone, so a browser's cookie never authorizes an API call (no CSRF against <c>/v1</c>).
/// </summary>
internal static class ConsoleAuth
{
    public const string Scheme = "ConsoleCookie";

    /// <summary>The API's <c>read</c> policy (same roles) evaluated against the console cookie.</summary>
    public const string Policy = "console";

    /// <summary>
    /// <c>__Host-</c>: the browser accepts it only over HTTPS (or localhost), for this host and path <c>/</c>: a sibling
    /// subdomain cannot plant or read it.
    /// </summary>
    public const string CookieName = "__Host-pinreports-console";

    // The digest of the key signed in with: a key removed from configuration (rotated, revoked) ends its sessions.
    private const string KeyDigestClaim = "pinreports:key-sha256";

    public static ClaimsPrincipal Principal(ApiKeyEntry key) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role), new Claim(KeyDigestClaim, Digest(key.Key))],
        Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>
    /// Every request re-checks the session against configuration: gone key, no session; changed role or name, the new one.
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var digest = context.Principal?.FindFirstValue(KeyDigestClaim);
        var keys = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue.ApiKeys;
        var key = digest is null ? null : keys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Digest(k.Key)), Encoding.ASCII.GetBytes(digest)));
        if (key is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        if (context.Principal!.FindFirstValue(ClaimTypes.Role) != key.Role || context.Principal!.Identity?.Name != key.Name)
        {
            context.ReplacePrincipal(Principal(key));
            context.ShouldRenew = true;
        }
    }

    /// <summary>The single "may this user acknowledge" decision: the acknowledge endpoint's own policy.</summary>
    public static async Task<bool> CanAcknowledgeAsync(IAuthorizationService authorization, ClaimsPrincipal user) =>
        (await authorization.AuthorizeAsync(user, AlertsEndpoints.AcknowledgePolicy)).Succeeded;

    private static string Digest(string key) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
