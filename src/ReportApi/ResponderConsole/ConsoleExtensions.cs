using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ReportApi.Auth;

namespace ReportApi.ResponderConsole;

/// <summary>
/// The responder console (issue #17): server-rendered Razor Pages under <c>/console</c>, a cookie session made from an
/// API key, no script and no external asset. It reads through the same services and SQL as the JSON API.
/// </summary>
internal static class ConsoleExtensions
{
    public static IHostApplicationBuilder AddResponderConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration("Console")
            .Validate(o => o.SessionLifetime > TimeSpan.Zero && o.SessionLifetime <= TimeSpan.FromDays(30),
                "Console:SessionLifetime must be more than zero and at most 30 days.")
            .ValidateOnStart();
        builder.Services.AddRazorPages(o =>
        {
            o.RootDirectory = "/ResponderConsole/Pages";
            o.Conventions.AuthorizeFolder("/", ConsoleAuth.Policy);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.ConfigureFilter(new ConsoleHeaders());
        });
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie = new SecureCookieBuilder { Name = "__Host-pinreports-antiforgery", SameSite = SameSiteMode.Strict, HttpOnly = true, Path = "/" };
            o.FormFieldName = "__csrf";
        });
        builder.Services.AddAuthentication().AddCookie(ConsoleAuth.Scheme, o =>
        {
            o.Cookie.Name = ConsoleAuth.CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.Path = "/";
            o.SlidingExpiration = false;
            o.LoginPath = "/console/sign-in";
            o.LogoutPath = "/console/sign-out";
            o.AccessDeniedPath = "/console/sign-in";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnValidatePrincipal = ConsoleAuth.ValidateAsync;
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(ConsoleAuth.Scheme)
            .Configure<IOptions<ConsoleOptions>>((cookie, console) => cookie.ExpireTimeSpan = console.Value.SessionLifetime);
        // The API's read policy with the cookie scheme: whoever may read the API (a responder role included, once added) may
        // read the console.
        builder.Services.AddOptions<AuthorizationOptions>().PostConfigure(o => o.AddPolicy(ConsoleAuth.Policy,
            new AuthorizationPolicyBuilder(o.GetPolicy(Policies.Read)!).AddAuthenticationSchemes(ConsoleAuth.Scheme).Build()));
        DataProtectionKeys.Register(builder.Services);
        builder.Services.AddScoped<ConsoleQueries>();
        return builder;
    }

    public static IEndpointRouteBuilder MapResponderConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        // A browser follows these links: no session means the sign-in page, not a bare 401 (.NET 10 treats typed results as API).
        var console = app.MapGroup("/console").ExcludeFromDescription().AllowCookieRedirect();
        console.MapGet("", () => TypedResults.Redirect("/console/alerts")).RequireAuthorization(ConsoleAuth.Policy);
        console.MapGet("/reports.csv", ConsoleCsv.GetAsync).RequireAuthorization(ConsoleAuth.Policy);
        return app;
    }

    /// <summary>
    /// Always marks the cookie Secure, without antiforgery's "SecurePolicy.Always" check that throws on a plain-HTTP
    /// request: browsers keep Secure cookies from http://localhost (development, tests) and drop them anywhere else,
    /// where the sign-in page says HTTPS is needed.
    /// </summary>
    private sealed class SecureCookieBuilder : CookieBuilder
    {
        public override CookieOptions Build(HttpContext context, DateTimeOffset expiresFrom)
        {
            var options = base.Build(context, expiresFrom);
            options.Secure = true;
            return options;
        }
    }
}
