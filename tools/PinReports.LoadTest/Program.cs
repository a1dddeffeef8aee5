using System.Diagnostics;
using System.Globalization;
using PinReports.LoadTest;

// PinReports ingest load generator: see LoadTestOptions.Usage and scripts/loadtest.sh.
LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (UsageException e)
{
    if (e.Message.Length > 0) Console.Error.WriteLine($"error: {e.Message}\n");
    Console.Error.WriteLine(LoadTestOptions.Usage);
    return e.Message.Length > 0 ? 2 : 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(options.UniqueChains > 0
    ? $"[load] generating {options.Devices} devices and {options.UniqueChains} never-seen ECDSA leaves under one untrusted CA (--unique-chains, run id {options.RunId})..."
    : $"[load] generating {options.Devices} devices and {options.Chains} RSA-2048 chains (run id {options.RunId})...");
var prep = Stopwatch.StartNew();
var fleet = new ReportFleet(options);
Console.WriteLine(string.Create(inv,
    $"[load] fleet ready in {prep.Elapsed.TotalSeconds:0.0} s: {fleet.IosDevices} iOS / {fleet.Devices.Count - fleet.IosDevices} Android devices, " +
    $"report sizes {fleet.TemplateSizes.Values.Min()}-{fleet.TemplateSizes.Values.Max()} bytes, hostnames {string.Join(", ", fleet.Hostnames)}"));

if (options.CopyCeilingRows > 0)
{
    if (options.VerifyConnectionString is null)
    {
        Console.Error.WriteLine("error: --copy-ceiling-rows needs --verify-connection-string");
        return 2;
    }
    var rowsPerSecond = await CopyCeiling.RunAsync(options.VerifyConnectionString, fleet, options.CopyCeilingRows, cancel.Token);
    if (options.JsonPath is not null)
    {
        await File.WriteAllTextAsync(options.JsonPath, string.Create(inv, $"{{\"copyCeilingRowsPerSecond\": {rowsPerSecond:0}}}\n"));
    }
    return 0;
}

using var client = LoadDriver.CreateClient(options);
var driver = new LoadDriver(options, fleet, client);
var runStartedUtc = DateTimeOffset.UtcNow;

// Sanity check: one report per platform must be accepted before we hammer the service with them.
var preflightAcks = new List<ReportId>();
foreach (var platform in new[] { Platform.Ios, Platform.Android })
{
    if (!fleet.Devices.Any(d => d.Platform == platform)) continue;
    try
    {
        var (status, body, id) = await driver.SendOneAsync(platform, cancel.Token);
        if (status != 204)
        {
            Console.Error.WriteLine($"[load] sanity check failed: a {platform} report got {status}: {body}");
            return 2;
        }

        preflightAcks.Add(id);
    }
    catch (HttpRequestException e)
    {
        Console.Error.WriteLine($"[load] cannot reach {options.Url}: {e.Message}");
        return 2;
    }
}

Console.WriteLine("[load] sanity check passed (one iOS and one Android report answered 204)");

await using var sampler = options.Pid is { } pid ? new ProcessSampler(pid) : null;
var stats = new RunStats(options.Concurrency, options.Rate > 0);
var loadAverageAtStart = MachineCpu.LoadAverage();
var start = Stopwatch.GetTimestamp();
var measureStart = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
var measureEnd = measureStart + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
var mode = options.Rate > 0 ? $"open loop ({options.Rate.ToString(inv)} reports/s target)" : "closed loop";
Console.WriteLine(string.Create(inv,
    $"[load] {mode}, {options.Concurrency} workers, warm-up {options.Warmup.TotalSeconds:0.#} s, measuring {options.Duration.TotalSeconds:0.#} s (load avg {loadAverageAtStart})"));

// Snapshots at the window's edges (taken by the progress loop when it crosses them).
MachineCpu machineAtStart = default, machineAtEnd = default;
double? serviceCpuAtStart = null, serviceCpuAtEnd = null;
TimeSpan generatorCpuAtStart = default, generatorCpuAtEnd = default;
var measuredStartedAt = 0L;
var measuredEndedAt = 0L;

var run = driver.RunAsync(stats, start, measureStart, measureEnd);
var progress = Task.Run(async () =>
{
    var lastOk = 0L;
    var lastTicks = start;
    var nextPrint = start + 5 * Stopwatch.Frequency;
    var inWindow = false;
    while (!run.IsCompleted)
    {
        await Task.Delay(50);
        var now = Stopwatch.GetTimestamp();
        if (!inWindow && now >= measureStart)
        {
            inWindow = true;
            measuredStartedAt = now;
            machineAtStart = MachineCpu.Read();
            serviceCpuAtStart = sampler?.CpuSeconds();
            generatorCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        }

        if (inWindow && measuredEndedAt == 0 && now >= measureEnd)
        {
            measuredEndedAt = now;
            machineAtEnd = MachineCpu.Read();
            serviceCpuAtEnd = sampler?.CpuSeconds();
            generatorCpuAtEnd = Process.GetCurrentProcess().TotalProcessorTime;
        }

        if (now < nextPrint) continue;
        nextPrint += 5 * Stopwatch.Frequency;
        var ok = stats.ReportsOkTotal;
        var rate = (ok - lastOk) / ((double)(now - lastTicks) / Stopwatch.Frequency);
        lastOk = ok;
        lastTicks = now;
        var phase = now < measureStart ? "warm-up" : now < measureEnd ? "measure" : "drain";
        var non204 = stats.StatusCounts(Phase.Warmup, Phase.Measured, Phase.Drain).Where(p => p.Key != "204").Sum(p => p.Value);
        var errors = stats.Errors(Phase.Warmup, Phase.Measured, Phase.Drain).Values.Sum();
        var rss = sampler is null ? "" : string.Create(inv, $"service RSS {sampler.LastRssKb / 1024.0:0} MiB");
        Console.WriteLine(string.Create(inv,
            $"[load] {(double)(now - start) / Stopwatch.Frequency,5:0} s {phase,-7} {rate,8:0.0} reports/s  in flight {stats.InFlight,4}  non-204 {non204}  errors {errors}  {rss}"));
    }
});

await run;
await progress;
if (measuredEndedAt == 0)
{
    // The window ended between two progress ticks and the drain was instant.
    measuredEndedAt = Stopwatch.GetTimestamp();
    machineAtEnd = MachineCpu.Read();
    serviceCpuAtEnd = sampler?.CpuSeconds();
    generatorCpuAtEnd = Process.GetCurrentProcess().TotalProcessorTime;
}

var measuredSeconds = options.Duration.TotalSeconds;
var wallSeconds = Math.Max(1e-9, (double)(measuredEndedAt - measuredStartedAt) / Stopwatch.Frequency);
var acknowledged = preflightAcks.Concat(stats.Acknowledged.SelectMany(a => a)).ToList();
var notAcknowledged = stats.NotAcknowledged.SelectMany(a => a).ToList();
Console.WriteLine($"[load] load finished: {stats.RequestsSent} requests sent, {acknowledged.Count} reports acknowledged (incl. 2 sanity-check reports)");

VerificationResult? verification = null;
if (options.VerifyConnectionString is { } connectionString)
{
    Console.WriteLine("[load] verifying storage...");
    try
    {
        verification = await StorageVerifier.VerifyAsync(connectionString, fleet, acknowledged, notAcknowledged, runStartedUtc, cancel.Token);
    }
    catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
    {
        Console.Error.WriteLine($"[load] verification could not run: {e.Message}");
    }
}

double? serviceCpuCores = serviceCpuAtStart is { } a && serviceCpuAtEnd is { } b ? Math.Round((b - a) / wallSeconds, 2) : null;
var openLoop = options.Rate > 0;
var reportsPerSecond = stats.ReportsOkMeasured / measuredSeconds;
var report = new LoadTestReport(
    RunId: options.RunId,
    Url: options.Url.ToString(),
    Mode: openLoop ? "open" : "closed",
    TargetReportsPerSecond: openLoop ? options.Rate : null,
    Concurrency: options.Concurrency,
    ArraySize: options.ArraySize,
    AndroidChunked: options.AndroidChunked,
    Devices: fleet.Devices.Count,
    IosDevices: fleet.IosDevices,
    Chains: options.Chains,
    Hostnames: fleet.Hostnames,
    ReportBytesMin: fleet.TemplateSizes.Values.Min(),
    ReportBytesMax: fleet.TemplateSizes.Values.Max(),
    WarmupSeconds: options.Warmup.TotalSeconds,
    MeasuredSeconds: measuredSeconds,
    ReportsAcknowledgedInWindow: stats.ReportsOkMeasured,
    ReportsPerSecond: Math.Round(reportsPerSecond, 1),
    RequestsSentTotal: stats.RequestsSent,
    Latency204: LatencyFigures.From(stats.Latency),
    LatencyFromSchedule: stats.ScheduledLatency is { } sl ? LatencyFigures.From(sl) : null,
    LateStarts: openLoop ? stats.LateStarts : null,
    MaxScheduleLagMs: openLoop ? Math.Round(stats.MaxLagMs, 1) : null,
    // Kept up: within 5 % of the target and never more than a second behind schedule.
    OpenLoopKeptUp: openLoop ? reportsPerSecond >= 0.95 * options.Rate && stats.MaxLagMs < 1000 : null,
    StatusCountsInWindow: stats.StatusCounts(Phase.Measured),
    StatusCountsTotal: stats.StatusCounts(Phase.Warmup, Phase.Measured, Phase.Drain),
    TransportErrorsInWindow: stats.Errors(Phase.Measured),
    TransportErrorsTotal: stats.Errors(Phase.Warmup, Phase.Measured, Phase.Drain),
    FirstProblemBodies: stats.FirstProblemBody.ToDictionary(),
    ReportsAcknowledgedTotal: acknowledged.Count,
    Resources: new ResourceFigures(
        ServicePid: sampler?.Pid,
        ServicePeakRssMiB: sampler is null ? null : Math.Round(sampler.PeakRssKb / 1024.0, 1),
        ServiceRssAtEndMiB: sampler is null ? null : Math.Round(sampler.LastRssKb / 1024.0, 1),
        ServiceCpuCoresDuringWindow: serviceCpuCores,
        GeneratorCpuCoresDuringWindow: Math.Round((generatorCpuAtEnd - generatorCpuAtStart).TotalSeconds / wallSeconds, 2),
        MachineCpuBusyDuringWindow: Math.Round(MachineCpu.BusyShare(machineAtStart, machineAtEnd), 3),
        MachineCores: Environment.ProcessorCount,
        LoadAverageAtStart: loadAverageAtStart,
        LoadAverageAtEnd: MachineCpu.LoadAverage()),
    Verification: verification);

Console.WriteLine(report.ToText());
if (sampler is { ProcessExited: true }) Console.WriteLine($"[load] WARNING: the service process {sampler.Pid} exited during the run");
if (options.JsonPath is { } jsonPath)
{
    await File.WriteAllTextAsync(jsonPath, report.ToJson() + "\n", cancel.Token);
    Console.WriteLine($"[load] figures written to {jsonPath}");
}

return verification is { Missing: > 0 } ? 1 : 0;
