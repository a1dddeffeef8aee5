using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using ReportApi.Security;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Security;

/// <summary>
/// Outside Development the service refuses published sample secrets and weak ones, naming the setting (issue 20.1);
/// generator output always passes; the deploy files ship no secret and the generator writes one that passes.
/// </summary>
public sealed partial class ProductionSecretsTests(PostgresFixture postgres)
{
    [Fact]
    public void Generator_output_of_32_bytes_or_more_is_always_strong()
    {
        for (var i = 0; i < 3000; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(32 + i % 33);
            string[] encodings = [Convert.ToHexStringLower(bytes), Convert.ToHexString(bytes), Convert.ToBase64String(bytes),
                Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')];
            foreach (var secret in encodings) Assert.True(SecretStrength.IsStrong(secret), $"generator output judged weak: {secret}");
        }
    }

    [Theory]
    [InlineData("demo-admin-key-0123456789")]
    [InlineData("test-device-id-key-0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef")] // 16 random bytes' worth at most
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")] // 64 hex characters, a pattern
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("changemechangemechangemechangemechangemechangeme")]
    [InlineData("Password1!Password1!Password1!Password1!Password1!")]
    [InlineData("3q2+7w==")]
    [InlineData("")]
    public void Short_or_patterned_values_are_weak(string value) => Assert.False(SecretStrength.IsStrong(value));

    [Theory]
    [InlineData("Auth:ApiKeys:1:Key", "demo-admin-key-0123456789")]
    [InlineData("Auth:ApiKeys:0:Key", "short-but-16-chars")]
    [InlineData("Privacy:DeviceIdKey", "pinreports-demo-device-id-key-change-me")]
    [InlineData("Privacy:DeviceIdKey", "0123456789abcdef0123456789abcdef")]
    [InlineData("Ingest:AppKeys:0:Key", "bank-ingest-key-0123456789")]
    [InlineData("Notifications:Webhook:Secret", "webhook-secret-0123456789")]
    public void Service_refuses_to_start_with_a_sample_or_weak_secret_naming_the_setting(string setting, string value)
    {
        var settings = new Dictionary<string, string?> { [setting] = value };
        if (setting.StartsWith("Ingest:", StringComparison.Ordinal)) settings["Ingest:AppKeys:0:App"] = "com.example.bank";
        if (setting.StartsWith("Notifications:", StringComparison.Ordinal)) settings["Notifications:Webhook:Url"] = "https://hooks.example/x";

        var error = Assert.ThrowsAny<Exception>(() => TestApp.Start(NoDatabase, settings)).ToString();

        Assert.Contains(setting, error, StringComparison.Ordinal);
        Assert.Contains(setting.Replace(":", "__", StringComparison.Ordinal), error, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error, StringComparison.Ordinal);
    }

    /// <summary>What ./run.sh and the README's simulator demo rely on: Development starts with its demo keys and no device-id key.</summary>
    [Fact]
    public async Task The_development_environment_still_starts_with_the_demo_keys()
    {
        await using var service = await ServiceProcess.StartAsync(await postgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Privacy__DeviceIdKey"] = null,
        });
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "demo-reader-key-0123456789");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/v1/alerts", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public void Development_accepts_the_demo_keys_and_every_other_environment_refuses_them()
    {
        var secrets = Collect(DevelopmentSettings());
        Assert.NotEmpty(secrets.Values);
        Assert.True(new ProductionSecretsValidator(new Environment("Development")).Validate(null, secrets).Succeeded);
        foreach (var name in new[] { "Production", "Staging", "Testing" })
        {
            var result = new ProductionSecretsValidator(new Environment(name)).Validate(null, secrets);
            Assert.True(result.Failed, $"{name} accepted the demo keys");
            Assert.Contains("Auth:ApiKeys:0:Key", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Every secret ever published by this repository is refused outside Development: appsettings.Development.json,
    /// the demo keys the README shows and whatever deploy/.env.example holds. Adding a demo value means listing it.
    /// </summary>
    [Fact]
    public void Every_published_sample_secret_is_refused_outside_development()
    {
        var published = new List<(string Where, string Value)>();
        published.AddRange(DevelopmentSettings().AsEnumerable()
            .Where(kv => kv.Value is { Length: > 0 } && (kv.Key.EndsWith(":Key", StringComparison.Ordinal) || kv.Key.EndsWith("Secret", StringComparison.Ordinal)))
            .Select(kv => ("appsettings.Development.json " + kv.Key, kv.Value!)));
        published.AddRange(DemoKey().Matches(File.ReadAllText(RepositoryPaths.Of("README.md"))).Select(m => ("README.md", m.Value)));
        published.AddRange(File.ReadAllLines(RepositoryPaths.Of("deploy", ".env.example"))
            .Where(l => !l.StartsWith('#') && l.Contains('=') && l[(l.IndexOf('=') + 1)..].Length > 0 && !l.StartsWith("PINREPORTS_DOMAIN=", StringComparison.Ordinal))
            .Select(l => ("deploy/.env.example", l[(l.IndexOf('=') + 1)..])));
        Assert.Contains(published, p => p.Where == "README.md");
        Assert.True(published.Count >= 3, "the published sample keys were not found");

        foreach (var (where, value) in published)
        {
            var secrets = new ProductionSecrets();
            secrets.Values.Add(("Auth:ApiKeys:0:Key", value));
            Assert.True(new ProductionSecretsValidator(new Environment("Production")).Validate(null, secrets).Failed, $"{where}: '{value}' is accepted in Production");
        }
    }

    [Fact]
    public void The_repository_ships_no_deploy_env_and_the_generator_writes_one_that_compose_and_the_service_accept()
    {
        Assert.False(File.Exists(RepositoryPaths.Of("deploy", ".env")) && IsTracked("deploy/.env"), "deploy/.env is committed");
        Assert.Contains(File.ReadAllLines(RepositoryPaths.Of(".gitignore")), l => l.Trim() is "/deploy/.env" or "deploy/.env");

        var directory = Directory.CreateTempSubdirectory("pinreports-env-");
        try
        {
            var output = Path.Combine(directory.FullName, ".env");
            Assert.Equal(0, RunGenerator(output).ExitCode);
            var first = File.ReadAllText(output);
            var values = File.ReadAllLines(output).Where(l => !l.StartsWith('#') && l.Contains('='))
                .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));

            // Every variable compose requires is there and non-empty; every secret in it passes the production check.
            var compose = File.ReadAllText(RepositoryPaths.Of("deploy", "docker-compose.yml"));
            foreach (Match match in RequiredVariable().Matches(compose))
            {
                Assert.True(values.TryGetValue(match.Groups[1].Value, out var v) && v.Length > 0, $"{match.Groups[1].Value} missing from the generated .env");
            }
            // Settings, not secrets: the public hostname and the Grafana address alerts link to.
            string[] settings = ["PINREPORTS_DOMAIN", "PINREPORTS_GRAFANA_URL"];
            foreach (var (name, value) in values.Where(kv => !settings.Contains(kv.Key)))
            {
                Assert.True(SecretStrength.IsStrong(value), $"{name} generated weak");
                Assert.DoesNotMatch("[^A-Za-z0-9_-]", value); // safe in URLs, connection strings and YAML
            }
            Assert.Equal(values.Count - settings.Length, values.Where(kv => !settings.Contains(kv.Key)).Select(kv => kv.Value).Distinct().Count());

            // A second run keeps the existing file (its passwords are already in the database); --force replaces it.
            Assert.NotEqual(0, RunGenerator(output).ExitCode);
            Assert.Equal(first, File.ReadAllText(output));
            Assert.Equal(0, RunGenerator(output, "--force").ExitCode);
            Assert.NotEqual(first, File.ReadAllText(output));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The check runs before anything connects, so these tests need no database.</summary>
    private const string NoDatabase = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none";

    private static Process RunGenerator(string output, params string[] extra)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(RepositoryPaths.Of("deploy", "generate-secrets.sh"));
        info.ArgumentList.Add("--output");
        info.ArgumentList.Add(output);
        foreach (var e in extra) info.ArgumentList.Add(e);
        var process = Process.Start(info)!;
        process.WaitForExit();
        return process;
    }

    private static bool IsTracked(string path)
    {
        var info = new ProcessStartInfo("git", ["ls-files", "--error-unmatch", path]) { WorkingDirectory = RepositoryPaths.Root, RedirectStandardError = true, RedirectStandardOutput = true };
        using var git = Process.Start(info)!;
        git.WaitForExit();
        return git.ExitCode == 0;
    }

    private static IConfigurationRoot DevelopmentSettings() =>
        new ConfigurationBuilder().AddJsonFile(RepositoryPaths.Of("src", "ReportApi", "appsettings.Development.json")).Build();

    private static ProductionSecrets Collect(IConfiguration configuration)
    {
        var secrets = new ProductionSecrets();
        ProductionSecrets.Collect(secrets, configuration);
        return secrets;
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "ReportApi";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    [GeneratedRegex(@"demo-[a-z]+-key-[0-9a-z]+")]
    private static partial Regex DemoKey();

    [GeneratedRegex(@"\$\{([A-Z0-9_]+):\?")]
    private static partial Regex RequiredVariable();
}
