using System.Diagnostics;

namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// The built service run as its own OS process (<c>dotnet ReportApi.dll</c>), for tests that kill it the way a crash
/// or an OOM killer would: no shutdown hooks, no draining.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Every line the service wrote to stdout (its structured JSON logs).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    public static async Task<ServiceProcess> StartAsync(string connectionString, IDictionary<string, string?>? environment = null)
    {
        var port = PostgresServer.FreeTcpPort();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ServiceAssembly(), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ServiceAssembly())!,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["ConnectionStrings__Postgres"] = connectionString;
        info.Environment["Privacy__DeviceIdKey"] = TestApp.DeviceIdKey;
        info.Environment["Diagnosis__UseSystemTrustStore"] = "false";
        info.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) info.Environment[key] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the service");
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        // Drain the pipes so a chatty service never blocks on a full buffer; keep stdout for log assertions.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service.Output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await service.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    /// <summary>SIGKILL: the process gets no chance to flush, drain or answer.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }

    private async Task WaitReadyAsync(TimeSpan within)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the service exited with {_process.ExitCode} before it was ready");
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the service was not ready within {within}");
    }

    /// <summary>The service's own build output, next to this test project's (same configuration).</summary>
    private static string ServiceAssembly()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testBin.Parent!.Name; // .../bin/{Configuration}/net10.0/
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PinReports.sln"))) root = root.Parent;
        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "src", "ReportApi", "bin", configuration, "net10.0", "ReportApi.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
    }
}
