using Microsoft.Extensions.Options;
using ReportApi.Data;

namespace ReportApi.Hosting;

internal static class HostingExtensions
{
    /// <summary>The contract's default listen address when neither <c>--urls</c>, <c>ASPNETCORE_URLS</c> nor Kestrel endpoints say otherwise.</summary>
    public static IHostApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls("http://localhost:8080");
        }
        return builder;
    }

    /// <summary>Problem details for errors, and 503 + Retry-After instead of 500 while the database is unreachable.</summary>
    public static IHostApplicationBuilder AddErrorResponses(this IHostApplicationBuilder builder)
    {
        // Every 400 in one shape, the framework's own included (Problems).
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Conform);
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return builder;
    }

    /// <summary>With <c>Database:MigrateOnStartup</c>, migrations run before the server accepts requests.</summary>
    public static async Task MigrateIfConfiguredAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        }
    }
}
