using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ReportApi.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>. Keys are compared as SHA-256 digests in constant time, so neither
/// timing nor a log of this handler's state reveals a configured key.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<AuthOptions> keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        var match = Match(keys.CurrentValue.ApiKeys, header["Bearer ".Length..].Trim());
        if (match is null) return Task.FromResult(AuthenticateResult.Fail("Unknown API key"));

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, match.Name), new Claim(ClaimTypes.Role, match.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>The configured key equal to <paramref name="presented"/>, or null. Also the console's sign-in check.</summary>
    internal static ApiKeyEntry? Match(IEnumerable<ApiKeyEntry> keys, string presented)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        foreach (var entry in keys)
        {
            // No early exit: every configured key is compared, matched or not.
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key)))) match ??= entry;
        }
        return match;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}
