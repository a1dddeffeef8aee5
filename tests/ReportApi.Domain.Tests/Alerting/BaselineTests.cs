using ReportApi.Domain.Alerting;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class BaselineTests
{
    [Fact]
    public void Odd_count_median_and_mad_ignore_the_outlier()
    {
        var baseline = Baseline.From([4, 1, 100, 3, 2]);

        Assert.Equal(5, baseline.SampleCount);
        Assert.Equal(3, baseline.Median);
        Assert.Equal(1, baseline.Mad); // deviations 2, 1, 0, 1, 97
        Assert.Equal(1.4826, baseline.ScaledMad, 6);
    }

    [Fact]
    public void Even_count_median_averages_the_middle_pair()
    {
        var baseline = Baseline.From([1, 2, 3, 4]);

        Assert.Equal(2.5, baseline.Median);
        Assert.Equal(1, baseline.Mad); // deviations 1.5, 0.5, 0.5, 1.5
    }

    [Fact]
    public void All_zero_baseline_has_zero_median_and_mad()
    {
        var baseline = Baseline.From(new int[21]);

        Assert.False(baseline.IsEmpty);
        Assert.Equal(0, baseline.Median);
        Assert.Equal(0, baseline.Mad);
        Assert.Equal(0, baseline.ScaledMad);
    }

    [Fact]
    public void One_sample_is_its_own_median_with_zero_mad()
    {
        var baseline = Baseline.From([7]);

        Assert.Equal(1, baseline.SampleCount);
        Assert.Equal(7, baseline.Median);
        Assert.Equal(0, baseline.Mad);
    }

    [Fact]
    public void No_samples_is_the_empty_baseline_of_a_new_series()
    {
        var baseline = Baseline.From([]);

        Assert.True(baseline.IsEmpty);
        Assert.Same(Baseline.Empty, baseline);
    }

    [Fact]
    public void Yesterdays_incident_windows_do_not_move_the_baseline()
    {
        // 18 ordinary windows and the three windows of yesterday's incident, as the backtest builds them.
        int[] samples = [.. Enumerable.Repeat(10, 9), .. Enumerable.Repeat(12, 9), 480, 500, 510];

        var baseline = Baseline.From(samples);

        Assert.Equal(12, baseline.Median);
        Assert.Equal(2, baseline.Mad); // deviations: nine 0s, nine 2s, three ~480s
    }
}
