namespace ReportApi.Domain.Alerting;

/// <summary>
/// Median and median absolute deviation of the comparable windows. Both ignore a minority of outliers, so yesterday's
/// incident in the history does not raise the bar for today's.
/// </summary>
public sealed record Baseline(int SampleCount, double Median, double Mad)
{
    /// <summary>Scales a MAD to a standard deviation for normally distributed data.</summary>
    public const double NormalConsistency = 1.4826;

    public static readonly Baseline Empty = new(0, 0, 0);

    /// <summary>No comparable window exists: the series is brand new.</summary>
    public bool IsEmpty => SampleCount == 0;

    public double ScaledMad => NormalConsistency * Mad;

    public static Baseline From(IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return Empty;
        }

        var sorted = new double[samples.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            sorted[i] = samples[i];
        }

        Array.Sort(sorted);
        var median = MedianOfSorted(sorted);
        for (var i = 0; i < sorted.Length; i++)
        {
            sorted[i] = Math.Abs(sorted[i] - median);
        }

        Array.Sort(sorted);
        return new Baseline(samples.Count, median, MedianOfSorted(sorted));
    }

    private static double MedianOfSorted(double[] sorted)
    {
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
