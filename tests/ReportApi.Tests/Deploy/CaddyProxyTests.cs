using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Deploy;

/// <summary>
/// deploy/Caddyfile, run by a real Caddy on loopback ports with its local CA (the `localhost` domain): reports arrive
/// over HTTPS with a certificate chaining to Caddy's CA, plain HTTP only redirects, and a client cannot choose its
/// rate-limit bucket with its own X-Forwarded-For (Caddy replaces it; the API believes only Caddy).
/// </summary>
public sealed class CaddyProxyTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_caddyfile_validates_for_a_public_domain()
    {
        var caddy = Find();
        Assert.SkipWhen(caddy is null, "caddy is not installed (Debian: apt-get install caddy); the Caddyfile was not checked.");
        var (exit, output) = await RunToEndAsync(caddy!, new() { ["PINREPORTS_DOMAIN"] = "reports.example.com" },
            "validate", "--config", RepositoryPaths.Of("deploy", "Caddyfile"), "--adapter", "caddyfile");
        Assert.True(exit == 0, output);
        Assert.Contains("Valid configuration", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_arrive_over_https_and_a_client_cannot_pick_its_forwarded_address()
    {
        var caddy = Find();
        Assert.SkipWhen(caddy is null, "caddy is not installed (Debian: apt-get install caddy); the proxy was not exercised.");
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?>
        {
            ["RateLimit:PerClientRequestsPerSecond"] = "1",
            ["RateLimit:PerClientBurst"] = "1",
            ["Network:TrustedProxies:0"] = "127.0.0.1",
            ["Network:TrustedProxies:1"] = "::1",
        });
        var home = Directory.CreateTempSubdirectory("pinreports-caddy-");
        var (http, https) = (PostgresServer.FreeTcpPort(), PostgresServer.FreeTcpPort());
        var info = new ProcessStartInfo(caddy!, ["run", "--config", RepositoryPaths.Of("deploy", "Caddyfile"), "--adapter", "caddyfile"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PINREPORTS_DOMAIN"] = "localhost";
        info.Environment["PINREPORTS_UPSTREAM"] = $"127.0.0.1:{app.BaseAddress.Port}";
        info.Environment["PINREPORTS_HTTP_PORT"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PINREPORTS_HTTPS_PORT"] = https.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["HOME"] = home.FullName;
        info.Environment["XDG_DATA_HOME"] = Path.Combine(home.FullName, "data");
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(home.FullName, "config");
        using var proxy = Process.Start(info)!;
        var log = new StringBuilder();
        proxy.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        proxy.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        proxy.BeginOutputReadLine();
        proxy.BeginErrorReadLine();
        try
        {
            await WaitForPortAsync(https, proxy, log);
            var root = Path.Combine(home.FullName, "data", "caddy", "pki", "authorities", "local", "root.crt");
            using var handler = new SocketsHttpHandler
            {
                // Trust Caddy's local CA and nothing else: the chain must build to it.
                SslOptions = { RemoteCertificateValidationCallback = (_, certificate, presented, _) => ChainsTo(certificate, presented, root) },
                AllowAutoRedirect = false,
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{https}") };
            var pki = LivePki.Create("api.bank.example", "caddy");
            string Body(string device) => ReportJson.Ios("api.bank.example", pki.Chain, ["pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""], vendorId: device).ToJsonString();

            using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/reports") { Content = new StringContent(Body("c-1"), Encoding.UTF8, "application/json") };
            first.Headers.Add("X-Forwarded-For", "198.51.100.1");
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(first, Ct)).StatusCode);
            // Another claimed address, same real client: Caddy replaced the header, so this is the same bucket.
            using var second = new HttpRequestMessage(HttpMethod.Post, "/v1/reports") { Content = new StringContent(Body("c-2"), Encoding.UTF8, "application/json") };
            second.Headers.Add("X-Forwarded-For", "198.51.100.2");
            Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(second, Ct)).StatusCode);
            Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));

            // Plain HTTP only redirects to HTTPS.
            using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
            var redirect = await plain.GetAsync($"http://localhost:{http}/v1/reports", Ct);
            Assert.True((int)redirect.StatusCode is 301 or 302 or 307 or 308, $"HTTP answered {(int)redirect.StatusCode}");
            Assert.Equal("https", redirect.Headers.Location?.Scheme);
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            await proxy.WaitForExitAsync(CancellationToken.None);
            home.Delete(recursive: true);
        }
    }

    private static bool ChainsTo(X509Certificate? certificate, X509Chain? presented, string rootFile)
    {
        if (certificate is null || !File.Exists(rootFile)) return false;
        using var leaf = new X509Certificate2(certificate);
        using var root = X509CertificateLoader.LoadCertificateFromFile(rootFile);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The intermediate Caddy sent with the leaf.
        if (presented is not null) foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(leaf) && leaf.MatchesHostname("localhost");
    }

    private static async Task WaitForPortAsync(int port, Process proxy, StringBuilder log)
    {
        // 60 s: on a busy 2-core CI machine caddy's start (and its local CA) took over 10 s once.
        for (var i = 0; i < 600; i++)
        {
            Assert.False(proxy.HasExited, "caddy exited:\n" + log);
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, Ct);
            }
        }
        Assert.Fail("caddy did not listen within 60 s:\n" + log);
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin")
            .Select(d => Path.Combine(d, "caddy")).FirstOrDefault(File.Exists);

    private static async Task<(int, string)> RunToEndAsync(string file, Dictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await errors);
    }
}
