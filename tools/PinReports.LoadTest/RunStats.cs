using System.Collections.Concurrent;
using System.Diagnostics;

namespace PinReports.LoadTest;

/// <summary>The identity of one report: its run sequence (→ date-time and hostname) and its device (→ app-vendor-id).</summary>
internal readonly record struct ReportId(long Sequence, int Device);

/// <summary>Which part of the run a response completed in.</summary>
internal enum Phase
{
    Warmup,
    Measured,
    Drain,
}

/// <summary>
/// Counters shared by all workers (Interlocked, no locks on the hot path) and the per-worker lists of acknowledged
/// reports. Throughput, latency and status counts are taken from responses that completed inside the measured window.
/// </summary>
internal sealed class RunStats(int workers, bool openLoop)
{
    private readonly long[][] _statusByPhase = [new long[600], new long[600], new long[600]];
    private readonly ConcurrentDictionary<string, long>[] _errorsByPhase = [new(), new(), new()];
    private long _reportsOkMeasured;
    private long _reportsOkTotal;
    private long _requestsSent;
    private long _inFlight;
    private long _lateStarts;
    private long _maxLagTicks;

    /// <summary>204 responses in the measured window, from the moment the request was handed to HttpClient.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Open loop only: latency from the request's scheduled start (includes waiting for a free worker).</summary>
    public LatencyHistogram? ScheduledLatency { get; } = openLoop ? new LatencyHistogram() : null;

    /// <summary>Per worker: reports the server acknowledged with 204 (all phases).</summary>
    public List<ReportId>[] Acknowledged { get; } = Enumerable.Range(0, workers).Select(_ => new List<ReportId>()).ToArray();

    /// <summary>Per worker: reports of requests that got anything else (may or may not be stored, e.g. a 503 commit timeout).</summary>
    public List<ReportId>[] NotAcknowledged { get; } = Enumerable.Range(0, workers).Select(_ => new List<ReportId>()).ToArray();

    /// <summary>First response body seen per non-204 status, for the summary.</summary>
    public ConcurrentDictionary<int, string> FirstProblemBody { get; } = new();

    public long ReportsOkMeasured => Interlocked.Read(ref _reportsOkMeasured);
    public long ReportsOkTotal => Interlocked.Read(ref _reportsOkTotal);
    public long RequestsSent => Interlocked.Read(ref _requestsSent);
    public long InFlight => Interlocked.Read(ref _inFlight);
    public long LateStarts => Interlocked.Read(ref _lateStarts);
    public double MaxLagMs => Interlocked.Read(ref _maxLagTicks) * 1000.0 / Stopwatch.Frequency;

    public void Started()
    {
        Interlocked.Increment(ref _requestsSent);
        Interlocked.Increment(ref _inFlight);
    }

    public void Completed(Phase phase, int status, int reports, long elapsedTicks, long scheduledElapsedTicks)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _statusByPhase[(int)phase][Math.Clamp(status, 0, 599)]);
        if (status != 204) return;
        Interlocked.Add(ref _reportsOkTotal, reports);
        if (phase != Phase.Measured) return;
        Interlocked.Add(ref _reportsOkMeasured, reports);
        Latency.RecordTicks(elapsedTicks);
        ScheduledLatency?.RecordTicks(scheduledElapsedTicks);
    }

    public void Failed(Phase phase, string error)
    {
        Interlocked.Decrement(ref _inFlight);
        _errorsByPhase[(int)phase].AddOrUpdate(error, 1, (_, n) => n + 1);
    }

    /// <summary>Open loop: a request started <paramref name="lagTicks"/> after its scheduled time.</summary>
    public void Lag(long lagTicks, long lateThresholdTicks)
    {
        if (lagTicks > lateThresholdTicks) Interlocked.Increment(ref _lateStarts);
        var max = Interlocked.Read(ref _maxLagTicks);
        while (lagTicks > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxLagTicks, lagTicks, max);
            if (seen == max) break;
            max = seen;
        }
    }

    public SortedDictionary<string, long> StatusCounts(params Phase[] phases)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var phase in phases)
        {
            var counts = _statusByPhase[(int)phase];
            for (var s = 0; s < counts.Length; s++)
            {
                var n = Interlocked.Read(ref counts[s]);
                if (n > 0) result[s.ToString(System.Globalization.CultureInfo.InvariantCulture)] = result.GetValueOrDefault(s.ToString(System.Globalization.CultureInfo.InvariantCulture)) + n;
            }
        }

        return result;
    }

    public SortedDictionary<string, long> Errors(params Phase[] phases)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var phase in phases)
        {
            foreach (var (error, n) in _errorsByPhase[(int)phase]) result[error] = result.GetValueOrDefault(error) + n;
        }

        return result;
    }
}
