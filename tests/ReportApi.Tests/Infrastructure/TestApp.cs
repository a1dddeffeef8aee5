using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// The real service on Kestrel (real HTTP on a loopback port) against its own database. Settings override
/// configuration the way an operator's environment variables would.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    // 32 random bytes each (`openssl rand -hex 32`): outside Development the service refuses weak or sample secrets.
    public const string DeviceIdKey = "c4639835bb1e96c5627564b46a4d57eebb3eb07fb7383f2936a0a7906aa48b4c";
    public const string ReaderKey = "fe680f2fa68c1e080a7685cc9629338a7a6e14238ecbc1859f05b512e05136e3";
    public const string ResponderKey = "a11aec0aa8a9fb1b9aa3cb95677ad30f04669e505a5bfacc4b5c9ea3fe9cb9f4";
    public const string AdminKey = "501b9120d2a5c5469523096d9d0cb69e03dead1badbc2be00ec2b876e202d438";

    private readonly Factory _factory;

    private TestApp(Factory factory, string connectionString)
    {
        _factory = factory;
        ConnectionString = connectionString;
        Db = NpgsqlDataSource.Create(connectionString);
        Client = factory.CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(60);
        Reader = CreateClient(ReaderKey);
        Admin = CreateClient(AdminKey);
    }

    /// <summary>An HTTP client that sends <c>Authorization: Bearer {apiKey}</c>.</summary>
    public HttpClient CreateClient(string apiKey)
    {
        var client = _factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>Unauthenticated, like a mobile app posting reports.</summary>
    public HttpClient Client { get; }

    /// <summary>With the configured <c>reader</c> API key.</summary>
    public HttpClient Reader { get; }

    /// <summary>With the configured <c>admin</c> API key.</summary>
    public HttpClient Admin { get; }
    public NpgsqlDataSource Db { get; }
    public string ConnectionString { get; }
    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>Every address the server listens on (HTTPS tests need the https one).</summary>
    public IReadOnlyCollection<string> ServerAddresses => _factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.ToList();
    public IServiceProvider Services => _factory.Services;

    /// <param name="configureServices">Runs after the app's own registrations, e.g. to replace <see cref="TimeProvider"/>.</param>
    public static async Task<TestApp> StartAsync(
        PostgresFixture postgres, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        return Start(connectionString, settings, configureServices: configureServices);
    }

    public static TestApp Start(string connectionString, IDictionary<string, string?>? settings = null,
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? kestrel = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Privacy:DeviceIdKey"] = DeviceIdKey,
            ["Diagnosis:UseSystemTrustStore"] = "false",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Tests read their own writes at once; the stats answer cache has its own tests (StatsCacheTests).
            ["Stats:CacheSeconds"] = "0",
            ["Auth:ApiKeys:0:Name"] = "on-call",
            ["Auth:ApiKeys:0:Key"] = ReaderKey,
            ["Auth:ApiKeys:0:Role"] = "reader",
            ["Auth:ApiKeys:1:Name"] = "release-bot",
            ["Auth:ApiKeys:1:Key"] = AdminKey,
            ["Auth:ApiKeys:1:Role"] = "admin",
            ["Auth:ApiKeys:2:Name"] = "night-shift",
            ["Auth:ApiKeys:2:Key"] = ResponderKey,
            ["Auth:ApiKeys:2:Role"] = "responder",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        for (var attempt = 1; ; attempt++)
        {
            var factory = new Factory(all, configureServices);
            if (kestrel is null) factory.UseKestrel(0);
            else factory.UseKestrel(kestrel);
            try
            {
                factory.StartServer();
                return new TestApp(factory, connectionString);
            }
            catch (ObjectDisposedException) when (attempt < 3)
            {
                // A host that fails to start (bad configuration, on purpose in many tests) can surface as
                // ObjectDisposedException from the test server's teardown race instead of its own error (seen under
                // heavy machine load); starting again reports the real error.
                try { factory.Dispose(); } catch (ObjectDisposedException) { /* already torn down */ }
            }
        }
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var command = Db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Reader.Dispose();
        Admin.Dispose();
        await _factory.DisposeAsync();
        await Db.DisposeAsync();
    }

    private sealed class Factory(Dictionary<string, string?> settings, Action<IServiceCollection>? configureServices) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            if (configureServices is not null) builder.ConfigureTestServices(configureServices);
        }
    }
}
