using System.Net;
using Microsoft.AspNetCore.Hosting;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>HTTPS from a PEM pair in configuration, renewed on disk without a restart; TLS 1.2+; HSTS on the query API.</summary>
public sealed class TlsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Renewed_certificate_files_are_served_without_a_restart()
    {
        // The private key must not outlive the test.
        using var directory = new TempDirectory("pinreports-tls-");
        var certificatePath = directory.File("tls.crt");
        var keyPath = directory.File("tls.key");
        var first = WritePem(certificatePath, keyPath, "CN=localhost, O=First", DateTime.UtcNow.AddMinutes(-1));
        var connectionString = await postgres.CreateDatabaseAsync();

        await using var app = TestApp.Start(connectionString, new Dictionary<string, string?>
        {
            ["Tls:CertificatePath"] = certificatePath,
            ["Tls:KeyPath"] = keyPath,
            ["Tls:ReloadCheckInterval"] = "00:00:00.100",
        }, kestrel: kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps()));
        var https = new Uri(app.ServerAddresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));

        var (served, response) = await GetAsync(https, "/healthz");
        Assert.Equal(first, served);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var second = WritePem(certificatePath, keyPath, "CN=localhost, O=Renewed", DateTime.UtcNow.AddMinutes(1));
        await Task.Delay(300, Ct);
        (served, _) = await GetAsync(https, "/healthz");
        Assert.Equal(second, served);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Query_api_over_https_sends_hsts_and_tls_1_1_is_refused()
    {
        // The private key must not outlive the test.
        using var directory = new TempDirectory("pinreports-tls-");
        var certificatePath = directory.File("tls.crt");
        var keyPath = directory.File("tls.key");
        WritePem(certificatePath, keyPath, "CN=localhost", DateTime.UtcNow);
        await using var app = TestApp.Start(await postgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Tls:CertificatePath"] = certificatePath,
            ["Tls:KeyPath"] = keyPath,
        }, kestrel: kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps()));
        var https = new Uri(app.ServerAddresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));

        var (_, query) = await GetAsync(https, "/v1/reports", TestApp.ReaderKey);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.StartsWith("max-age=", query.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(https.Host, https.Port, Ct);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
#pragma warning disable SYSLIB0039 // The point is to offer an obsolete protocol and be refused.
        var options = new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls11 };
#pragma warning restore SYSLIB0039
        await Assert.ThrowsAnyAsync<Exception>(() => ssl.AuthenticateAsClientAsync(options, Ct));
    }

    /// <summary>A fresh key and self-signed certificate written as PEM; returns its thumbprint.</summary>
    private static string WritePem(string certificatePath, string keyPath, string subject, DateTime stamp)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        // Distinct timestamps even on coarse file systems: the reload keys on them.
        File.SetLastWriteTimeUtc(certificatePath, stamp);
        File.SetLastWriteTimeUtc(keyPath, stamp);
        return certificate.Thumbprint;
    }

    private static async Task<(string Thumbprint, HttpResponseMessage Response)> GetAsync(Uri server, string path, string? apiKey = null)
    {
        string? thumbprint = null;
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => { thumbprint = certificate!.GetCertHashString(); return true; } },
        };
        using var client = new HttpClient(handler) { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        var response = await client.SendAsync(request, Ct);
        return (thumbprint!, response);
    }
}
