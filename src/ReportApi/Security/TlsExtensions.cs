using System.Security.Authentication;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Logging.Abstractions;

namespace ReportApi.Security;

internal static class TlsExtensions
{
    /// <summary>TLS 1.2+ on every HTTPS endpoint; the <c>Tls</c> PEM pair (reloaded on change) where an endpoint names no certificate.</summary>
    public static IHostApplicationBuilder AddTls(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Tls").Get<TlsOptions>() ?? new TlsOptions();
        if (string.IsNullOrEmpty(options.CertificatePath) != string.IsNullOrEmpty(options.KeyPath))
        {
            throw new InvalidOperationException("Tls:CertificatePath and Tls:KeyPath go together: set both PEM files or neither.");
        }
        ReloadingCertificate? certificate = null;
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            certificate = new ReloadingCertificate(options, TimeProvider.System, NullLoggerFactory.Instance.CreateLogger("ReportApi.Tls"));
            builder.Services.AddSingleton(certificate);
        }
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            if (certificate is not null) https.ServerCertificateSelector = (_, _) => certificate.Current;
        }));
        builder.Services.Configure<HstsOptions>(hsts =>
        {
            hsts.MaxAge = options.HstsMaxAge;
            // Loopback is excluded by default; operators terminating TLS here want the header wherever HTTPS is served.
            hsts.ExcludedHosts.Clear();
        });
        return builder;
    }

    /// <summary>HSTS on HTTPS responses of the query API (not on the ingest endpoint, whose clients ignore headers anyway).</summary>
    public static WebApplication UseTls(this WebApplication app)
    {
        app.Services.GetService<ReloadingCertificate>()?.AttachLogger(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ReportApi.Tls"));
        app.UseWhen(http => http.Request.IsHttps && !(HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/v1/reports")),
            branch => branch.UseHsts());
        return app;
    }
}
