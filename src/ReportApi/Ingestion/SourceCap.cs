using System.Net;
using Microsoft.Extensions.Options;
using ReportApi.Domain.Reports;
using ReportApi.Infrastructure;
using ReportApi.Observability;

namespace ReportApi.Ingestion;

/// <summary>
/// Caps what one source network can add to one failure series' distinct devices per 5-minute window (the detector's
/// window): forged reports can mint device ids at will, but from one network they add at most the cap. Kept in
/// memory per replica (an attacker spread over N replicas gets N × cap, still below the floors with the defaults),
/// bounded by forgetting everything past 100,000 keys. The source is a network prefix and never stored.
/// Opt-in, and complementary to the independent-evidence check that is on by default (issue #22,
/// <c>Alerting:MinNetworksToPage</c>): that one asks a page for breadth (many networks), this one limits how many
/// devices one network adds, so a forger with a few networks cannot inflate the device counts of a real spike either.
/// </summary>
internal sealed class SourceCap(IOptions<IngestOptions> options)
{
    private const int MaxKeys = 100_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly Dictionary<(string Source, string? App, string? Version, string Host, long Window), HashSet<ulong>> _devices = [];
    private readonly Lock _gate = new();

    /// <summary>Whether this report's device may count; records it when it does.</summary>
    public bool Admit(IPAddress? client, PinFailureReport report, byte[]? deviceHash, bool authenticated, DateTimeOffset receivedAt)
    {
        var cap = options.Value.MaxDevicesPerSourcePerSeries;
        if (cap == 0 || authenticated || deviceHash is null) return true;
        var key = (NetworkPrefix.Text(client), report.AppBundleId, report.AppVersion, report.NotedHostname, receivedAt.UtcTicks / Window.Ticks);
        var device = BitConverter.ToUInt64(deviceHash, 0);
        lock (_gate)
        {
            if (_devices.Count >= MaxKeys) _devices.Clear();
            if (!_devices.TryGetValue(key, out var devices)) _devices[key] = devices = [];
            if (devices.Contains(device)) return true;
            if (devices.Count >= cap)
            {
                ReportApiTelemetry.DeviceCapped();
                return false;
            }
            devices.Add(device);
            return true;
        }
    }

}
