using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Testcontainers.PostgreSql;

namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server for the tests, found in the order of docs/decisions/0010-tests-use-a-real-postgres.md: <c>PINREPORTS_TEST_POSTGRES</c>,
/// Testcontainers when a Docker engine answers, else a throwaway cluster made with the machine's own
/// <c>initdb</c>/<c>pg_ctl</c>. Never SQLite, never the EF in-memory provider.
/// </summary>
public abstract class PostgresServer : IAsyncDisposable
{
    /// <summary>Connection string to the server's maintenance database, as a superuser.</summary>
    public abstract string AdminConnectionString { get; }

    /// <summary>Whether the tests may stop and start this server (fault tests need it; a shared external server is not theirs).</summary>
    public abstract bool CanStop { get; }

    public abstract string Description { get; }

    public virtual Task StopAsync() => throw new NotSupportedException($"{Description} cannot be stopped by the tests.");
    public virtual Task StartAsync() => throw new NotSupportedException($"{Description} cannot be started by the tests.");
    public abstract ValueTask DisposeAsync();

    public static async Task<PostgresServer> AcquireAsync()
    {
        var external = Environment.GetEnvironmentVariable("PINREPORTS_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external)) return new ExternalPostgres(external);
        if (await DockerAnswersAsync()) return await ContainerPostgres.RunAsync();
        if (LocalCluster.FindBinDirectory() is { } bin) return await LocalCluster.CreateAsync(bin);
        throw new InvalidOperationException(
            "No PostgreSQL for the tests. Set PINREPORTS_TEST_POSTGRES to a connection string of a superuser " +
            "(e.g. \"Host=localhost;Username=postgres;Password=postgres\"), start a Docker engine, or install " +
            "PostgreSQL (Debian: apt-get install postgresql) so initdb and pg_ctl are available.");
    }

    /// <summary>Testcontainers only when an engine really answers: a docker CLI without an engine is common on CI machines.</summary>
    private static async Task<bool> DockerAnswersAsync()
    {
        var socket = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host
            ? host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : null
            : "/var/run/docker.sock";
        if (socket is null) return true;
        if (!File.Exists(socket)) return false;
        try
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ExternalPostgres(string connectionString) : PostgresServer
    {
        public override string AdminConnectionString => connectionString;
        public override bool CanStop => false;
        public override string Description => "the server of PINREPORTS_TEST_POSTGRES";
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ContainerPostgres(PostgreSqlContainer container) : PostgresServer
    {
        public static async Task<PostgresServer> RunAsync()
        {
            var container = new PostgreSqlBuilder("postgres:17-alpine").Build();
            await container.StartAsync();
            return new ContainerPostgres(container);
        }

        public override string AdminConnectionString => container.GetConnectionString();
        public override bool CanStop => false;
        public override string Description => "a Testcontainers PostgreSQL";
        public override ValueTask DisposeAsync() => container.DisposeAsync();
    }
}

/// <summary>A cluster made with <c>initdb</c> in a temp directory, run with <c>pg_ctl</c>; removed on dispose.</summary>
public sealed class LocalCluster : PostgresServer
{
    private readonly string _bin;
    private readonly string _dataDir;
    private readonly string _socketDir;
    private readonly int _port;
    private readonly string _settings;

    private LocalCluster(string bin, string root, int port, string settings = "")
    {
        _bin = bin;
        _dataDir = Path.Combine(root, "data");
        _socketDir = root;
        _port = port;
        _settings = settings;
    }

    public override string AdminConnectionString =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=true;Timeout=5;Command Timeout=60";

    public override bool CanStop => true;
    public override string Description => $"a throwaway cluster on port {_port}";
    public int Port => _port;

    public static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } pgBin) candidates.Add(pgBin);
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }
        candidates.AddRange(["/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin"]);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <param name="settings">Extra server settings, e.g. <c>-c synchronous_standby_names=*</c> (issue #16's failover test).</param>
    public static async Task<LocalCluster> CreateAsync(string bin, string settings = "")
    {
        var root = await NewRootAsync();
        var cluster = new LocalCluster(bin, root, FreeTcpPort(), settings);
        await cluster.RunPgAsync("initdb", ["-D", cluster._dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        await cluster.StartAsync();
        return cluster;
    }

    public override Task StartAsync() => RunPgAsync("pg_ctl",
    [
        "-D", _dataDir, "-w", "-t", "60", "-l", Path.Combine(_socketDir, "postgres.log"), "start",
        // fsync off: the tests kill the server, never the machine, so the OS cache keeps every committed write.
        "-o", $"-p {_port} -k {_socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300 {_settings}".TrimEnd(),
    ]);

    /// <summary>
    /// Issue #16: a streaming hot standby of this cluster, made the way an operator would (<c>pg_basebackup -R</c>: a base
    /// backup plus <c>standby.signal</c> and <c>primary_conninfo</c>), started on its own port. Dispose it like any cluster.
    /// </summary>
    public async Task<LocalCluster> CreateStandbyAsync(string settings = "")
    {
        var root = await NewRootAsync();
        var standby = new LocalCluster(_bin, root, FreeTcpPort(), "-c hot_standby=on " + settings);
        await standby.RunPgAsync("pg_basebackup",
            ["-D", standby._dataDir, "-h", "127.0.0.1", "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres",
             "-X", "stream", "-R", "--no-sync", "-c", "fast"]);
        await standby.StartAsync();
        return standby;
    }

    /// <summary><c>pg_ctl promote</c>: the standby leaves recovery and becomes a primary (what Patroni does on failover).</summary>
    public Task PromoteAsync() => RunPgAsync("pg_ctl", ["-D", _dataDir, "-w", "-t", "60", "promote"]);

    private static async Task<string> NewRootAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "pinreports-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        if (IsRoot) await RunAsync("chown", ["postgres:postgres", root]);
        return root;
    }

    /// <summary>An immediate stop: what a crash looks like to the clients (connections dropped, no clean shutdown).</summary>
    public override Task StopAsync() => RunPgAsync("pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped by a fault test.
        }
        try { Directory.Delete(_socketDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunPgAsync(string tool, string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        // PostgreSQL refuses to run as root; the machine's postgres user runs it instead.
        return IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
