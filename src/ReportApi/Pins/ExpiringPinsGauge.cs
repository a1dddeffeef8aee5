using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using ReportApi.Observability;

namespace ReportApi.Pins;

/// <summary>
/// <c>pinreports.pins.expiring</c>: days until the known-pins expiration date, one series per app, version, platform
/// and noted hostname seen in the last <c>Pins:RecentDays</c> whose date falls within <c>Pins:ExpiringWithinDays</c>
/// (negative once expired: TrustKit then stops enforcing the pins, silently). Alert on any series, e.g.
/// <c>pinreports_pins_expiring_days &lt; 14</c>. Observed from a snapshot the background job refreshes, because an
/// observable callback must not query the database.
/// </summary>
public sealed class ExpiringPinsGauge : IDisposable
{
    private readonly PinInventoryStore _store;
    private readonly IOptions<PinsOptions> _options;
    private readonly TimeProvider _time;
    private volatile IReadOnlyList<Measurement<int>> _snapshot = [];

    // One instrument per process (the Meter is static) observing every live host's snapshot: one in production,
    // several when test hosts run side by side, where "the last one created" would race.
    private static readonly ConcurrentDictionary<ExpiringPinsGauge, byte> Live = new();
    private static readonly ObservableGauge<int> Instrument = ReportApiTelemetry.Meter.CreateObservableGauge(
        "pinreports.pins.expiring", static () => Live.Keys.SelectMany(g => g._snapshot).ToList(), "d",
        "Days until the known-pins expiration date of recently seen app versions expiring soon (negative: expired).");

    public ExpiringPinsGauge(PinInventoryStore store, IOptions<PinsOptions> options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        Live.TryAdd(this, 0);
    }

    public void Dispose() => Live.TryRemove(this, out _);

    public static string InstrumentName => Instrument.Name;

    public IReadOnlyList<Measurement<int>> Current => _snapshot;

    public async Task UpdateAsync(CancellationToken ct)
    {
        var o = _options.Value;
        var now = _time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var measurements = new List<Measurement<int>>();
        foreach (var c in await _store.ExpiringAsync(now.AddDays(-o.RecentDays), today.AddDays(o.ExpiringWithinDays + 1), ct))
        {
            measurements.Add(new Measurement<int>(c.ExpirationDate.DayNumber - today.DayNumber,
                new KeyValuePair<string, object?>("app", c.App ?? ""),
                new KeyValuePair<string, object?>("version", c.Version ?? ""),
                new KeyValuePair<string, object?>("platform", c.Platform ?? ""),
                new KeyValuePair<string, object?>("noted_hostname", c.NotedHostname)));
        }
        _snapshot = measurements;
    }
}
