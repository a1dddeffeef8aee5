using System.Diagnostics;

namespace PinReports.LoadTest;

/// <summary>
/// Lock-free log-linear histogram of latencies in microseconds (HdrHistogram-style): exact below 2.048 ms, then 1024
/// sub-buckets per power of two (&lt; 0.1 % error), up to ~18 hours. Recording is one Interlocked.Increment on a
/// fixed array: no allocation, no sorting, safe from any number of workers. The maximum is kept exactly.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 10;
    private const int SubBuckets = 1 << SubBucketBits; // 1024
    private const int LinearLimit = SubBuckets * 2;     // values below are their own bucket
    private const int MaxExponent = 46;

    private readonly long[] _counts = new long[LinearLimit + (MaxExponent - SubBucketBits) * SubBuckets];
    private long _count;
    private long _maxMicros;
    private long _sumMicros;

    public long Count => Interlocked.Read(ref _count);

    public void RecordTicks(long stopwatchTicks) => RecordMicros(stopwatchTicks * 1_000_000 / Stopwatch.Frequency);

    public void RecordMicros(long micros)
    {
        if (micros < 0) micros = 0;
        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, micros);
        var max = Interlocked.Read(ref _maxMicros);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicros, micros, max);
            if (seen == max) break;
            max = seen;
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in milliseconds; the bucket's upper bound, capped at the max.</summary>
    public double PercentileMs(double q)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(UpperBoundMicros(i), Interlocked.Read(ref _maxMicros)) / 1000.0;
        }

        return MaxMs;
    }

    public double MaxMs => Interlocked.Read(ref _maxMicros) / 1000.0;

    public double MeanMs => Count == 0 ? 0 : Interlocked.Read(ref _sumMicros) / 1000.0 / Count;

    private static int Index(long micros)
    {
        if (micros < LinearLimit) return (int)micros;
        var exponent = 63 - (int)long.LeadingZeroCount(micros); // >= SubBucketBits + 1
        if (exponent >= MaxExponent) return LinearLimit + (MaxExponent - SubBucketBits) * SubBuckets - 1;
        var shift = exponent - SubBucketBits;
        var sub = (int)((micros >> shift) & (SubBuckets - 1));
        return LinearLimit + (exponent - SubBucketBits - 1) * SubBuckets + sub;
    }

    private static long UpperBoundMicros(int index)
    {
        if (index < LinearLimit) return index;
        var block = (index - LinearLimit) / SubBuckets;
        var sub = (index - LinearLimit) % SubBuckets;
        var exponent = block + SubBucketBits + 1;
        var shift = exponent - SubBucketBits;
        return ((SubBuckets + (long)sub) << shift) + (1L << shift) - 1;
    }
}
