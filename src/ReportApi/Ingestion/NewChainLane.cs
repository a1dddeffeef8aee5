using System.Net;
using Microsoft.Extensions.Options;
using ReportApi.Infrastructure;

namespace ReportApi.Ingestion;

/// <summary>
/// The slow path's own lane (issue 21): at most <see cref="NewChainOptions.EffectiveConcurrency"/> new-chain analyses at
/// once and <see cref="NewChainOptions.QueueCapacity"/> waiting, so a flood of never-seen chains uses a bounded share of
/// the CPU and known-chain reports (which never enter here) are not stuck behind it. A report that finds no room, or
/// whose source network is over its budget, is not refused: the caller stores it with its diagnosis deferred.
/// </summary>
internal sealed class NewChainLane
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private readonly NewChainBudget _budget;
    private readonly TimeProvider _time;
    private int _inLane;

    public NewChainLane(IOptions<NewChainOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _slots = new SemaphoreSlim(o.EffectiveConcurrency, o.EffectiveConcurrency);
        _capacity = o.EffectiveConcurrency + o.QueueCapacity;
        _budget = new NewChainBudget(o.PerSourcePerSecond, o.PerSourceBurst);
        _time = time;
        NewChainTelemetry.ObserveWaiting(() => Volatile.Read(ref _inLane));
    }

    /// <summary>Reports running or waiting in the lane.</summary>
    public int InLane => Volatile.Read(ref _inLane);

    /// <summary>Runs <paramref name="analyse"/> in the lane; null when the report's diagnosis is to be deferred instead.</summary>
    public async ValueTask<T?> TryRunAsync<T>(IPAddress? client, Func<T> analyse, CancellationToken ct) where T : class
    {
        if (!_budget.TryTake(NetworkPrefix.Text(client), _time.GetTimestamp(), _time.TimestampFrequency))
        {
            NewChainTelemetry.Deferred("source-budget");
            return null;
        }
        if (Interlocked.Increment(ref _inLane) > _capacity)
        {
            Interlocked.Decrement(ref _inLane);
            NewChainTelemetry.Deferred("queue-full");
            return null;
        }
        try
        {
            await _slots.WaitAsync(ct);
            try
            {
                NewChainTelemetry.Analysed();
                return analyse();
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inLane);
        }
    }

    /// <summary>
    /// Background work (the deferred-diagnosis pass) in one of the lane's slots, behind nobody's request: it shares the
    /// slow path's CPU bound instead of adding a core of its own during a flood, and never counts against the queue.
    /// </summary>
    public async Task<T> RunInSlotAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Tests: occupies every analysis slot until disposed, as a flood that keeps the lane busy would.</summary>
    internal async Task<IDisposable> HoldAllSlotsAsync(int slots)
    {
        for (var i = 0; i < slots; i++) await _slots.WaitAsync();
        return new Release(() => _slots.Release(slots));
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

/// <summary>
/// Per-source token buckets for new-chain analyses (IPv4 /24, IPv6 /48, as <see cref="SourceCap"/> keys sources). In
/// memory per replica, bounded by forgetting every bucket past 100,000 sources (a forgotten source starts full again).
/// </summary>
internal sealed class NewChainBudget(int perSecond, int burst)
{
    private const int MaxSources = 100_000;
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public bool TryTake(string source, long timestamp, long frequency)
    {
        if (perSecond == 0) return true;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(source, out var bucket))
            {
                if (_buckets.Count >= MaxSources) _buckets.Clear();
                bucket = new Bucket { Tokens = burst, At = timestamp };
                _buckets[source] = bucket;
            }
            var refill = (double)(timestamp - bucket.At) / frequency * perSecond;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + refill);
            bucket.At = timestamp;
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket
    {
        public double Tokens;
        public long At;
    }
}
