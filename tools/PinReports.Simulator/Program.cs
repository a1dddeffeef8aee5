using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using PinReports.Simulation;
using PinReports.Simulator;
using PinReports.Tools;

// Offline: the detector over days of synthetic traffic, no service needed (arguments of the former `ReportApi replay`).
if (ReplayCommand.IsRequested(args)) return ReplayCommand.Run(args);

SimulatorOptions options;
try
{
    options = SimulatorOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(SimulatorOptions.Usage);
    return 2;
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(SimulatorOptions.Usage);
    return 0;
}

var pki = SimulatorPki.LoadOrCreate(options.SimDirectory);
if (options.Init)
{
    Console.WriteLine($"Simulated PKI in {pki.Directory}");
    Console.WriteLine($"  root:              {pki.Root.Cert.Subject}  pin {TrustKitFormat.PinDirective(pki.Root.Cert)}");
    Console.WriteLine($"  old intermediate:  {pki.OldIntermediate.Cert.Subject}  pin {TrustKitFormat.PinDirective(pki.OldIntermediate.Cert)}");
    Console.WriteLine($"  new intermediate:  {pki.NewIntermediate.Cert.Subject}  pin {TrustKitFormat.PinDirective(pki.NewIntermediate.Cert)}");
    Console.WriteLine($"  backup root:       {pki.BackupRoot.Cert.Subject}");
    Console.WriteLine($"Trusted roots for the service: {pki.RootsFile}");
    Console.WriteLine($"  Diagnosis__TrustedRootsFile={pki.RootsFile} ./run.sh");
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var fleet = new Fleet(pki, options.Devices, options.Seed);
var start = DateTimeOffset.UtcNow;
var engine = new ScenarioEngine(fleet, pki, new ScenarioOptions
{
    Kind = options.Scenario,
    At = options.At,
    SessionInterval = options.SessionInterval,
    InterceptionsPerHour = options.InterceptionsPerHour,
    ConfigErrorsPerHour = options.ConfigErrorsPerHour,
    Proxy = options.Proxy,
    Seed = options.Seed,
}, start);
using var http = ServiceClient.CreateHttpClient(options.Url);
var client = new ServiceClient(http, options.AdminKey, options.ReaderKey);

Console.WriteLine($"Scenario {options.Scenario.ToString().ToLowerInvariant()} against {options.Url} for {options.Duration}, "
    + $"incident at +{options.At}, at most {options.Rate} reports/s; roots {pki.RootsFile}");
foreach (var release in fleet.Releases)
{
    var ios = fleet.Devices.Count(d => d.Release == release && d.Platform == DevicePlatform.Ios);
    var android = fleet.Devices.Count(d => d.Release == release && d.Platform == DevicePlatform.Android);
    Console.WriteLine($"  {Fleet.BundleId} {release.Version}: {ios} iOS + {android} Android devices, pins {release.PinsDescription}");
}

if (engine.RotationAt is { } rotationAt)
{
    Console.WriteLine($"  rotation at +{rotationAt}: {engine.RotatedHost} moves to '{pki.NewIntermediate.Cert.Subject}' (same root); "
        + $"failing: {string.Join(", ", fleet.Releases.Where(r => !r.Accepts([pki.NewIntermediate.Cert, pki.Root.Cert])).Select(r => r.Version))}");
}

if (engine.InterceptionAt is { } interceptionAt)
{
    Console.WriteLine($"  interception at +{interceptionAt}: {fleet.Devices.Count(d => d.Network == Fleet.InterceptedNetwork)} devices on "
        + $"{Fleet.InterceptedNetwork} see {options.Proxy}'s chain");
}

if (engine.Expiry is { } expiry)
{
    Console.WriteLine($"  expired leaf at +{expiry.At} on {expiry.Host}");
}

if (options.PostActivity)
{
    await PostActivityAsync();
}

var firingAtStart = new HashSet<long>();
var newAlerts = new List<FiringAlert>();
if (options.WatchAlerts)
{
    var (status, alerts) = await TryAlertsAsync();
    if (status == HttpStatusCode.OK)
    {
        foreach (var alert in alerts)
        {
            firingAtStart.Add(alert.Id);
            Console.WriteLine($"already firing: #{alert.Id} {alert.SeriesKey}: {alert.Headline}");
        }
    }
}

var queue = new Queue<SimReport>();
var second = new Counters();
var total = new Counters();
var byStatus = new ConcurrentDictionary<string, int>();
var byKind = new ConcurrentDictionary<string, int>();
var inFlight = new List<Task>();
string? firstError = null;
using var concurrency = new SemaphoreSlim(32);

var end = start + options.Duration;
var tick = start;
var nextAlertPoll = start + TimeSpan.FromSeconds(15);
var nextActivity = start + TimeSpan.FromMinutes(10);
try
{
    while (tick < end && !cts.IsCancellationRequested)
    {
        foreach (var report in engine.Step(tick)) queue.Enqueue(report);
        var sentNow = 0;
        while (sentNow < options.Rate && queue.TryDequeue(out var report))
        {
            sentNow++;
            inFlight.Add(SendAsync(report));
        }

        inFlight.RemoveAll(t => t.IsCompleted);
        if (options.WatchAlerts && tick >= nextAlertPoll)
        {
            nextAlertPoll += TimeSpan.FromSeconds(15);
            _ = PollAlertsAsync();
        }

        if (options.PostActivity && tick >= nextActivity)
        {
            nextActivity += TimeSpan.FromMinutes(10);
            _ = PostActivityAsync();
        }

        tick += TimeSpan.FromSeconds(1);
        var wait = tick - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cts.Token);
        var s = second.Reset();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{tick - start:hh\\:mm\\:ss}] {engine.Phase(tick - TimeSpan.FromSeconds(1)),-12} sent {sentNow,4}  204 {s.Ok,4}  non-204 {s.NotOk,3}  errors {s.Errors,3}  queued {queue.Count,5}  total {total.Total,7}"));
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine("interrupted");
}

await Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(TimeSpan.FromSeconds(30)));
if (options.WatchAlerts) await PollAlertsAsync();

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Sent {total.Total} reports: {total.Ok} accepted (204), {total.NotOk} other status, {total.Errors} failed; {queue.Count} left unsent"));
Console.WriteLine("  by kind:   " + string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
Console.WriteLine("  by status: " + string.Join(", ", byStatus.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
if (firstError is not null) Console.WriteLine($"  first error: {firstError}");
if (options.WatchAlerts)
{
    Console.WriteLine(newAlerts.Count == 0
        ? "No new alert fired during the run."
        : $"{newAlerts.Count} new alert(s) fired: " + string.Join("; ", newAlerts.Select(a => $"#{a.Id} {a.SeriesKey}")));
}

if (total.Total > 0 && total.Ok == 0) return 3;
if (options.ExpectAlert) return newAlerts.Count > 0 ? 0 : 1;
return 0;

async Task SendAsync(SimReport report)
{
    await concurrency.WaitAsync(cts.Token).ConfigureAwait(false);
    second.Started();
    total.Started();
    byKind.AddOrUpdate(report.Kind, 1, (_, n) => n + 1);
    try
    {
        var status = await client.SendReportAsync(report, cts.Token).ConfigureAwait(false);
        byStatus.AddOrUpdate(((int)status).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
        if (status == HttpStatusCode.NoContent)
        {
            second.Accepted();
            total.Accepted();
        }
        else
        {
            second.Rejected();
            total.Rejected();
        }
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        if (cts.IsCancellationRequested) return;
        firstError ??= e.Message;
        byStatus.AddOrUpdate("error", 1, (_, n) => n + 1);
        second.Failed();
        total.Failed();
    }
    finally
    {
        concurrency.Release();
    }
}

async Task PostActivityAsync()
{
    try
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var (status, body) = await client.PostActivityAsync(fleet, day, cts.Token);
        Console.WriteLine(status is HttpStatusCode.OK or HttpStatusCode.NoContent or HttpStatusCode.Accepted
            ? $"activity: posted {fleet.Activity().Count()} rows for {day:yyyy-MM-dd} ({fleet.Devices.Count} active devices) -> {(int)status}"
            : $"activity: POST /v1/activity -> {(int)status} {status} (admin key missing or wrong? see --admin-key) {Truncate(body)}");
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        Console.WriteLine($"activity: POST /v1/activity failed: {e.Message}");
    }
}

async Task<(HttpStatusCode Status, IReadOnlyList<FiringAlert> Alerts)> TryAlertsAsync()
{
    try
    {
        var result = await client.FiringAlertsAsync(cts.Token);
        if (result.Status != HttpStatusCode.OK)
        {
            Console.WriteLine($"alerts: GET /v1/alerts?state=firing -> {(int)result.Status} {result.Status}"
                + (result.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (reader key missing or wrong? see --reader-key)" : ""));
        }

        return result;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
    {
        Console.WriteLine($"alerts: GET /v1/alerts failed: {e.Message}");
        return (0, []);
    }
}

async Task PollAlertsAsync()
{
    var (status, alerts) = await TryAlertsAsync();
    if (status != HttpStatusCode.OK) return;
    lock (newAlerts)
    {
        foreach (var alert in alerts)
        {
            if (firingAtStart.Contains(alert.Id) || newAlerts.Any(a => a.Id == alert.Id)) continue;
            newAlerts.Add(alert);
            Console.WriteLine($"ALERT #{alert.Id} {alert.Status} {alert.SeriesKey}: {alert.Headline}");
        }
    }
}

static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

/// <summary>Thread-safe counters; <see cref="Reset"/> returns and clears them (the per-second line).</summary>
internal sealed class Counters
{
    private int _sent, _ok, _notOk, _errors;

    public int Ok => Volatile.Read(ref _ok);
    public int NotOk => Volatile.Read(ref _notOk);
    public int Errors => Volatile.Read(ref _errors);
    public int Total => Volatile.Read(ref _sent);

    public void Started() => Interlocked.Increment(ref _sent);
    public void Accepted() => Interlocked.Increment(ref _ok);
    public void Rejected() => Interlocked.Increment(ref _notOk);
    public void Failed() => Interlocked.Increment(ref _errors);

    public (int Sent, int Ok, int NotOk, int Errors) Reset() =>
        (Interlocked.Exchange(ref _sent, 0), Interlocked.Exchange(ref _ok, 0), Interlocked.Exchange(ref _notOk, 0), Interlocked.Exchange(ref _errors, 0));
}
