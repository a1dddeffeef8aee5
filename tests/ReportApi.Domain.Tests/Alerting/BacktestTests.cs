using System.Diagnostics;
using ReportApi.Domain.Alerting;
using ReportApi.Domain.Alerting.Replay;
using static ReportApi.Domain.Tests.Alerting.Scenarios;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class BacktestTests(ITestOutputHelper output)
{
    private static readonly DetectorOptions Defaults = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Steady_noise_fires_nothing_over_a_simulated_week(int seed)
    {
        var watch = Stopwatch.StartNew();
        var result = Backtest.Run(Steady(seed), Defaults);
        output.WriteLine($"{watch.ElapsedMilliseconds} ms");
        output.WriteLine(BacktestReport.Format(result));

        Assert.Equal(TimeSpan.FromDays(7), result.To - result.From);
        Assert.Equal(16, result.SeriesCount);
        Assert.Empty(result.Of(AlertTransition.Fire));
    }

    [Fact]
    public void Print_rotation()
    {
        var result = Backtest.Run(Rotation(1), Defaults);
        output.WriteLine(BacktestReport.Format(result));
    }
}
