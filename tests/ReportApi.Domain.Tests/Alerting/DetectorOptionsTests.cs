using ReportApi.Domain.Alerting;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class DetectorOptionsTests
{
    // How the host names a property (ReportApi's DetectorConfiguration.Key): the domain itself knows no configuration section.
    private static string Key(string property) => "Alerting:" + property;

    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new DetectorOptions().Validate());
    }

    public static TheoryData<DetectorOptions, string> BadOptions => new()
    {
        { new DetectorOptions { MinDevices = -3 }, "Alerting:MinDevices must be >= 1 (was -3)" },
        { new DetectorOptions { MinDevices = 0 }, "Alerting:MinDevices must be >= 1 (was 0)" },
        { new DetectorOptions { RatioFloor = -1 }, "Alerting:RatioFloor must be >= 1 (was -1)" },
        { new DetectorOptions { MadThreshold = 0 }, "Alerting:MadThreshold must be > 0 (was 0)" },
        { new DetectorOptions { MadFloor = -0.5 }, "Alerting:MadFloor must be > 0 (was -0.5)" },
        { new DetectorOptions { FailureRateThreshold = -0.01 }, "Alerting:FailureRateThreshold must be > 0 and <= 1 (was -0.01)" },
        { new DetectorOptions { RateMinDevices = 0 }, "Alerting:RateMinDevices must be >= 1 (was 0)" },
        { new DetectorOptions { RateMinDevices = 25 }, "Alerting:RateMinDevices must be <= 20 (was 25)" },
        { new DetectorOptions { ResolveRatio = -1 }, "Alerting:ResolveRatio must be > 0 and below Alerting:RatioFloor (3) for hysteresis (was -1)" },
        { new DetectorOptions { ResolveRatio = 3 }, "Alerting:ResolveRatio must be > 0 and below Alerting:RatioFloor (3) for hysteresis (was 3)" },
        { new DetectorOptions { ResolveFloorFraction = 0 }, "Alerting:ResolveFloorFraction must be > 0 and <= 1 (was 0)" },
        { new DetectorOptions { QuietPeriod = TimeSpan.FromMinutes(-1) }, "Alerting:QuietPeriod must not be negative (was -00:01:00)" },
        { new DetectorOptions { PendingEvaluations = 0 }, "Alerting:PendingEvaluations must be >= 1 (was 0)" },
        { new DetectorOptions { FirstSeenMinDevices = -50 }, "Alerting:FirstSeenMinDevices must be >= 1 (was -50)" },
        { new DetectorOptions { BaselineDays = 0 }, "Alerting:BaselineDays must be >= 1 (was 0)" },
        { new DetectorOptions { BaselineNeighbourWindows = -1 }, "Alerting:BaselineNeighbourWindows must be >= 0 (was -1)" },
        { new DetectorOptions { RepeatInterval = TimeSpan.Zero }, "Alerting:RepeatInterval must be positive (was 00:00:00)" },
        { new DetectorOptions { Window = TimeSpan.FromSeconds(90) }, "Alerting:Window must be a whole number of minutes between 00:01:00 and 06:00:00 (was 00:01:30)" },
        { new DetectorOptions { Window = TimeSpan.FromMinutes(-5) }, "Alerting:Window must be a whole number of minutes" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Each_bad_value_is_reported_with_its_configuration_key(DetectorOptions options, string expected)
    {
        var problems = options.Validate(Key);

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_naming_rule_a_problem_names_the_property()
    {
        var problems = new DetectorOptions { MinDevices = -3, ResolveRatio = 3 }.Validate();

        Assert.Equal(["MinDevices must be >= 1 (was -3)", "ResolveRatio must be > 0 and below RatioFloor (3) for hysteresis (was 3)"], problems);
    }

    [Fact]
    public void Every_problem_is_listed_and_ensure_valid_names_them_all()
    {
        var options = new DetectorOptions { MinDevices = -1, MadThreshold = -6, QuietPeriod = TimeSpan.FromMinutes(-15) };

        Assert.Equal(3, options.Validate().Count);
        var error = Assert.Throws<InvalidOperationException>(() => options.EnsureValid(Key));
        Assert.Contains("Alerting:MinDevices", error.Message);
        Assert.Contains("Alerting:MadThreshold", error.Message);
        Assert.Contains("Alerting:QuietPeriod", error.Message);
    }
}
