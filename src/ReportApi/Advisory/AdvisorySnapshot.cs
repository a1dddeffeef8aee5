using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Pins;
using ReportApi.Observability;
using ReportApi.Pins;

namespace ReportApi.Advisory;

/// <summary>An answer ready to send: its JSON bytes and their entity tag (a hash of the bytes, so every replica agrees).</summary>
public sealed record PreparedAnswer(AdvisoryAnswer Answer, byte[] Body, EntityTagHeaderValue ETag, string ETagText);

/// <summary>
/// Every advisory answer, precomputed, so the endpoint (called at every app start by every device) costs one dictionary
/// lookup and no database round trip. Rebuilt every <c>Advisory:RefreshInterval</c> on every replica, and at once on the
/// replica that records or withdraws a chain. Builds are serialised: the last build to finish read the database last,
/// so a slow periodic build cannot overwrite a fresher one with older data.
/// </summary>
public sealed partial class AdvisorySnapshot : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // One instrument per process observing every live host's snapshot (tests run several hosts side by side).
    private static readonly ConcurrentDictionary<AdvisorySnapshot, byte> Live = new();
    private static readonly ObservableGauge<int> VersionsGauge = ReportApiTelemetry.Meter.CreateObservableGauge(
        "pinreports.advisory.versions", static () => Live.Keys.SelectMany(s => s._current?.ToldToUpdate ?? []).ToList(), "{version}",
        "App versions the advisory tells to update (1 per app, version, platform and action: update-required or update-recommended).");

    private readonly AdvisoryStore _store;
    private readonly DiagnosisService _diagnosis;
    private readonly IOptionsMonitor<AdvisoryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AdvisorySnapshot> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Answers? _current;

    public AdvisorySnapshot(AdvisoryStore store, DiagnosisService diagnosis, IOptionsMonitor<AdvisoryOptions> options,
        TimeProvider time, ILogger<AdvisorySnapshot> logger)
    {
        _store = store;
        _diagnosis = diagnosis;
        _options = options;
        _time = time;
        _logger = logger;
        Live.TryAdd(this, 0);
    }

    public static string VersionsInstrumentName => VersionsGauge.Name;

    /// <summary>
    /// The answers of one build. <see cref="Unknown"/> is what every version outside <see cref="ByVersion"/> gets;
    /// <see cref="CacheControl"/> is built once per build, not per request.
    /// </summary>
    public sealed record Answers(
        IReadOnlyDictionary<AdvisoryKey, PreparedAnswer> ByVersion, PreparedAnswer Unknown, DateTimeOffset BuiltAt,
        IReadOnlyList<Measurement<int>> ToldToUpdate, string CacheControl)
    {
        public PreparedAnswer Lookup(AdvisoryKey key) => ByVersion.TryGetValue(key, out var answer) ? answer : Unknown;
    }

    public Answers? Current => _current;

    /// <summary>The current answers; the first call builds them (so a request right after start-up waits for the database once).</summary>
    public ValueTask<Answers> GetAsync(CancellationToken ct) =>
        _current is { } current ? ValueTask.FromResult(current) : new ValueTask<Answers>(FirstBuildAsync(ct));

    private async Task<Answers> FirstBuildAsync(CancellationToken ct)
    {
        // Every request arriving before the first build waits here; only the first to get the gate builds.
        await BuildAsync(onlyIfNone: true, ct);
        return _current!;
    }

    /// <summary>Rebuilds the answers from the inventory and the recorded chains.</summary>
    public Task RefreshAsync(CancellationToken ct) => BuildAsync(onlyIfNone: false, ct);

    private async Task BuildAsync(bool onlyIfNone, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (onlyIfNone && _current is not null) return;
            var options = _options.CurrentValue;
            var now = _time.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var rows = await _store.InventoryAsync(options.Apps.Select(a => a.App).Distinct(StringComparer.Ordinal).ToArray(), ct);
            var chains = Analyse(await _store.ChainsAsync(null, ct), now);

            var answers = AdvisoryVerdicts.Evaluate(options.Apps, rows, chains, today);
            var prepared = new Dictionary<AdvisoryKey, PreparedAnswer>(answers.Count, AdvisoryVerdicts.KeyComparer.Instance);
            var told = new List<Measurement<int>>();
            foreach (var (key, answer) in answers)
            {
                prepared[key] = Prepare(answer);
                if (answer.Action != AdvisoryVerdicts.None)
                {
                    told.Add(new Measurement<int>(1,
                        new KeyValuePair<string, object?>("app", key.App), new KeyValuePair<string, object?>("version", key.Version),
                        new KeyValuePair<string, object?>("platform", key.Platform), new KeyValuePair<string, object?>("action", answer.Action)));
                }
            }
            _current = new Answers(prepared, Prepare(AdvisoryVerdicts.Unknown), now, told, $"public, max-age={options.MaxAgeSeconds}");
            LogBuilt(prepared.Count, told.Count, chains.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Live.TryRemove(this, out _);
        _gate.Dispose();
    }

    public static PreparedAnswer Prepare(AdvisoryAnswer answer)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(answer, Json);
        var tag = $"\"{Convert.ToBase64String(SHA256.HashData(body), 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
        return new PreparedAnswer(answer, body, new EntityTagHeaderValue(tag), tag);
    }

    /// <summary>
    /// The keys each chain offers, judged on the day it applies: today for a live chain, its first day for a plan (a chain
    /// whose certificates are not valid yet still builds to its root on that day). A chain that no longer analyses (say,
    /// a roots file changed) is left out and logged rather than failing every answer.
    /// </summary>
    private List<AdvisoryChain> Analyse(IReadOnlyList<HostChain> recorded, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var chains = new List<AdvisoryChain>(recorded.Count);
        foreach (var chain in recorded)
        {
            var from = chain.EffectiveFrom ?? DateOnly.FromDateTime(chain.RecordedAt.UtcDateTime);
            var at = chain.EffectiveFrom is { } date && date > today ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : now;
            try
            {
                var parsed = ChainParser.Parse(ChainUpload.Blocks(chain.Pem));
                if (!parsed.Certificates.Any(c => c.Parsed)) throw new FormatException("no parsable certificate");
                chains.Add(new AdvisoryChain(chain.Hostname, chain.Kind, from, PreflightEvaluator.Analyze(parsed, chain.Hostname, _diagnosis.Anchors, at, 0)));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                LogUnusableChain(e, chain.Hostname, chain.Kind);
            }
        }
        return chains;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Advisory rebuilt: {Versions} known versions, {Told} told to update, {Chains} recorded chains")]
    private partial void LogBuilt(int versions, int told, int chains);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The recorded {Kind} chain of {Hostname} no longer analyses; the advisory ignores it")]
    private partial void LogUnusableChain(Exception exception, string hostname, string kind);
}
