using System.Globalization;
using System.Text;
using PinReports.Tools;

namespace PinReports.Simulator;

internal enum ScenarioKind
{
    Steady,
    Rotation,
    Interception,
    Expired,
    All,
}

internal sealed record ScenarioOptions
{
    public ScenarioKind Kind { get; init; } = ScenarioKind.Steady;

    /// <summary>When the incident starts, relative to the start of the run.</summary>
    public TimeSpan At { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Mean time between two app sessions of one device (each session connects to every hostname).</summary>
    public TimeSpan SessionInterval { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Background interception reports per hour (corporate TLS inspection, a developer's mitmproxy).</summary>
    public double InterceptionsPerHour { get; init; } = 12;

    /// <summary>Background client-config errors per hour (iOS validation-result 3: an integration bug).</summary>
    public double ConfigErrorsPerHour { get; init; } = 6;

    /// <summary>The interception product on <see cref="Fleet.InterceptedNetwork"/>: "zscaler" or "mitmproxy".</summary>
    public string Proxy { get; init; } = "zscaler";

    public int Seed { get; init; } = 20261127;
}

/// <summary>One report as the app would send it.</summary>
internal sealed record SimReport(SimDevice Device, string Kind, string Hostname, byte[] Body);

/// <summary>
/// The fleet's behaviour one second at a time. Before the incident only the background trickle fails; from
/// <see cref="ScenarioOptions.At"/> on the incident's hosts serve a different chain, and every device whose TrustKit
/// rejects it reports on each session, at most once a minute per hostname.
/// Incidents: rotation (api.example.com moves to Issuing CA 2 under the same root), interception (devices on
/// <see cref="Fleet.InterceptedNetwork"/> see a proxy's chain for every host), expired (api.example.com's leaf expired).
/// "all" runs the three in turn: rotation at T on api.example.com, interception at T+2m, expired login.example.com at T+4m.
/// </summary>
internal sealed class ScenarioEngine
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMinutes(1);
    private readonly Fleet _fleet;
    private readonly ServerChains _chains;
    private readonly ScenarioOptions _options;
    private readonly Random _rng;

    public ScenarioEngine(Fleet fleet, SimulatorPki pki, ScenarioOptions options, DateTimeOffset start)
    {
        _fleet = fleet;
        _options = options;
        Start = start;
        _rng = new Random(options.Seed);
        _chains = new ServerChains(pki, Fleet.Hostnames, start);
    }

    public DateTimeOffset Start { get; }

    public string RotatedHost => Fleet.Hostnames[0];

    public TimeSpan? RotationAt => _options.Kind is ScenarioKind.Rotation or ScenarioKind.All ? _options.At : null;

    public TimeSpan? InterceptionAt => _options.Kind switch
    {
        ScenarioKind.Interception => _options.At,
        ScenarioKind.All => _options.At + TimeSpan.FromMinutes(2),
        _ => null,
    };

    public (TimeSpan At, string Host)? Expiry => _options.Kind switch
    {
        ScenarioKind.Expired => (_options.At, Fleet.Hostnames[0]),
        ScenarioKind.All => (_options.At + TimeSpan.FromMinutes(4), Fleet.Hostnames[1]),
        _ => null,
    };

    /// <summary>What is happening at <paramref name="now"/>, for the progress line.</summary>
    public string Phase(DateTimeOffset now)
    {
        var elapsed = now - Start;
        var parts = new List<string>();
        if (RotationAt is { } r && elapsed >= r) parts.Add("rotation");
        if (InterceptionAt is { } i && elapsed >= i) parts.Add("interception");
        if (Expiry is { } e && elapsed >= e.At) parts.Add("expired");
        return parts.Count == 0 ? "steady" : string.Join('+', parts);
    }

    /// <summary>The reports the fleet sends in the second starting at <paramref name="now"/>.</summary>
    public List<SimReport> Step(DateTimeOffset now)
    {
        var elapsed = now - Start;
        var reports = new List<SimReport>();
        var sessionProbability = 1.0 / Math.Max(1, _options.SessionInterval.TotalSeconds);
        var rotation = RotationAt is { } r && elapsed >= r;
        var interception = InterceptionAt is { } i && elapsed >= i;
        var expiredHost = Expiry is { } e && elapsed >= e.At ? e.Host : null;
        if (rotation || interception || expiredHost is not null)
        {
            foreach (var device in _fleet.Devices)
            {
                if (_rng.NextDouble() >= sessionProbability) continue;
                foreach (var host in Fleet.Hostnames)
                {
                    var outcome = Connect(device, host, rotation, interception, expiredHost);
                    if (outcome is null) continue;
                    if (device.LastReport.TryGetValue(host, out var last) && now - last < ReportInterval) continue;
                    device.LastReport[host] = now;
                    reports.Add(Build(device, host, outcome.Value.Kind, outcome.Value.Chain, outcome.Value.ValidationResult, now));
                }
            }
        }

        // The background trickle, whatever the scenario: Poisson arrivals at the configured hourly rates.
        if (_rng.NextDouble() < _options.InterceptionsPerHour / 3600)
        {
            var device = _fleet.Devices[_rng.Next(_fleet.Devices.Count)];
            var host = Fleet.Hostnames[_rng.Next(Fleet.Hostnames.Length)];
            // Mostly corporate TLS inspection (root installed by MDM: iOS trusts it, apps on Android do not), now and then a developer's proxy.
            var chain = _chains.Get(host, _rng.NextDouble() < 0.8 ? "zscaler" : "mitmproxy");
            var result = device.Platform == DevicePlatform.Ios ? 1 : 2;
            reports.Add(Build(device, host, "background-interception", chain, result, now));
        }

        if (_rng.NextDouble() < _options.ConfigErrorsPerHour / 3600)
        {
            var ios = _fleet.Devices.Where(d => d.Platform == DevicePlatform.Ios).ToList();
            if (ios.Count > 0)
            {
                var device = ios[_rng.Next(ios.Count)];
                var host = Fleet.Hostnames[_rng.Next(Fleet.Hostnames.Length)];
                reports.Add(Build(device, host, "background-config-error", _chains.Get(host, "current"), 3, now));
            }
        }

        return reports;
    }

    /// <summary>What one connection of <paramref name="device"/> to <paramref name="host"/> sees; null when TrustKit passes.</summary>
    private (string Kind, ServedChain Chain, int ValidationResult)? Connect(SimDevice device, string host, bool rotation, bool interception, string? expiredHost)
    {
        if (interception && device.Network == Fleet.InterceptedNetwork)
        {
            // The proxy's root is not installed on the device: the OS rejects the chain (validation-result 2).
            return ("interception", _chains.Get(host, _options.Proxy), 2);
        }

        if (host == expiredHost)
        {
            // The OS rejects an expired leaf whatever the pins: every version reports, validation-result 2.
            return ("expired", _chains.Get(host, "expired"), 2);
        }

        if (rotation && host == RotatedHost)
        {
            var chain = _chains.Get(host, "rotated");
            return device.Release.Accepts(chain.Built) ? null : ("rotation", chain, 1);
        }

        return null;
    }

    private SimReport Build(SimDevice device, string host, string kind, ServedChain chain, int validationResult, DateTimeOffset now)
    {
        var release = device.Release;
        string json;
        if (device.Platform == DevicePlatform.Ios)
        {
            // iOS reports the chain SecTrust built: with the root when it builds to one.
            json = TrustKitFormat.IosJson(new TrustKitReport(Fleet.BundleId, release.Version, device.OsVersion, device.VendorId, "3.0.0",
                now.UtcDateTime.ToString(TrustKitFormat.DateTimeFormat, CultureInfo.InvariantCulture), host, host,
                IncludeSubdomains: false, EnforcePinning: true, chain.Built, null, release.KnownPins, validationResult, _fleet.PinsExpirationDate));
        }
        else
        {
            // Android: the local wall-clock time with a literal Z; when validation failed the served chain is also the "validated" one.
            var local = (now.UtcDateTime + device.UtcOffset).ToString(TrustKitFormat.DateTimeFormat, CultureInfo.InvariantCulture);
            json = TrustKitFormat.AndroidJson(new TrustKitReport(Fleet.BundleId, release.Version, null, device.VendorId, "1.1.5",
                local, host, host, IncludeSubdomains: false, EnforcePinning: true,
                validationResult == 2 ? chain.Served : chain.Built, chain.Served, release.KnownPins, validationResult, null));
        }

        return new SimReport(device, kind, host, Encoding.UTF8.GetBytes(json));
    }
}
