using Microsoft.AspNetCore.Authentication;

namespace ReportApi.Auth;

internal static class AuthExtensions
{
    /// <summary>API keys from configuration; three policies: <c>read</c> (any role), <c>respond</c> (responder or admin) and <c>admin</c>.</summary>
    public static IHostApplicationBuilder AddApiKeyAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth")
            .Validate(o => o.ApiKeys.All(k => k.Key.Length >= 16 && Roles.All.Contains(k.Role) && k.Name.Length > 0),
                "Auth:ApiKeys: every entry needs a Name, a Key of at least 16 characters and a Role of 'reader', 'responder' or 'admin'.")
            .Validate(o => o.ApiKeys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() == o.ApiKeys.Count,
                "Auth:ApiKeys: two entries share one Key.")
            .ValidateOnStart();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Read, policy => policy.RequireRole(Roles.Reader, Roles.Responder, Roles.Admin))
            .AddPolicy(Policies.Respond, policy => policy.RequireRole(Roles.Responder, Roles.Admin))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin));
        return builder;
    }
}
