using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>
/// Synthetic pin-failure traffic: steady background failures (Poisson per version and hostname per minute, following a
/// daily curve and quieter weekends), a few interception reports every hour from devices that then fail every minute for
/// a while, and the incidents to inject. Every device reports from a home network (see <see cref="SharedNetworkShare"/>). Deterministic for a given <see cref="Seed"/>.
/// </summary>
public sealed record TrafficScenario
{
    public static readonly FailingChain ServingChain = new(KeyRole.Intermediate, "CN=Example Issuing CA 1, O=Example CA Inc, C=US",
        "CN=Example Root CA R1, O=Example CA Inc, C=US", "YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=", 0);

    public static readonly FailingChain RotatedChain = new(KeyRole.Intermediate, "CN=Example Issuing CA 2, O=Example CA Inc, C=US",
        "CN=Example Root CA R1, O=Example CA Inc, C=US", "q2dTo4QX0Yh+pIuxjGdCLMZ6aYX5Z1nqbYbI4Xn1Nk8=", 0);

    public static readonly FailingChain InterceptionChain = new(KeyRole.Root, "CN=Contoso Corporate Inspection CA, O=Contoso",
        "CN=Contoso Corporate Inspection CA, O=Contoso", "Vjs8r4z+80wjNcr1YKepWQboSIRi63WsWXhIMN+eWys=", 0);

    public static readonly IReadOnlyList<SimulatedVersion> DefaultVersions =
    [
        new("com.example.bank", "3.1.0", 40_000, ["api.example.com", "auth.example.com"]),
        new("com.example.bank", "3.2.0", 25_000, ["api.example.com", "auth.example.com"]),
        new("com.example.bank", "3.2.1", 10_000, ["api.example.com", "auth.example.com"]),
        new("com.example.shop", "5.0.0", 15_000, ["shop.example.com"]),
        new("com.example.shop", "5.1.0", 1_500, ["shop.example.com"]),
    ];

    public int Seed { get; init; } = 1;

    /// <summary>Midnight UTC of a Monday, so weekends fall where a reader expects them.</summary>
    public DateTimeOffset Start { get; init; } = new(2025, 6, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Days simulated, history included: the backtest evaluates after the detector's baseline days.</summary>
    public int Days { get; init; } = 14;

    public IReadOnlyList<SimulatedVersion> Versions { get; init; } = DefaultVersions;

    /// <summary>Mean background failures per active device per minute (unknown, interception, config mix).</summary>
    public double BackgroundFailuresPerDeviceMinute { get; init; } = 2e-5;

    /// <summary>The daily curve swings ±this share around the mean.</summary>
    public double SeasonalAmplitude { get; init; } = 0.6;

    public int PeakHourUtc { get; init; } = 14;

    public double WeekendFactor { get; init; } = 0.75;

    /// <summary>New intercepted devices per hostname per hour; each then fails every minute for a few minutes.</summary>
    public double InterceptionsPerHostHour { get; init; } = 3;

    public int MaxInterceptionMinutes { get; init; } = 20;

    /// <summary>Chance per minute that a device broken by an incident connects (and so reports), at mean activity.</summary>
    public double IncidentReportProbability { get; init; } = 0.25;

    /// <summary>Whether activity (active devices per version) was posted, enabling the failure-rate rule.</summary>
    public bool ActivityKnown { get; init; } = true;

    public IReadOnlyList<RotationIncident> Rotations { get; init; } = [];

    public IReadOnlyList<LaunchIncident> Launches { get; init; } = [];

    public IReadOnlyList<ForgedBurst> Forgeries { get; init; } = [];

    /// <summary>
    /// Share of devices that report through one of <see cref="SharedNetworks"/> large networks (a mobile carrier's
    /// carrier-grade NAT, a big office): they collapse into few networks. The others sit on a network shared with about
    /// one other device (a household). Pessimistic for real incidents: real carrier pools span many /24s.
    /// </summary>
    public double SharedNetworkShare { get; init; } = 0.4;

    public int SharedNetworks { get; init; } = 30;

    public int Minutes => Days * 24 * 60;

    /// <summary>Activity relative to the mean at <paramref name="time"/>: the daily curve times the weekend dip.</summary>
    public double Season(DateTimeOffset time)
    {
        var hour = time.UtcDateTime.TimeOfDay.TotalHours;
        var daily = 1 + SeasonalAmplitude * Math.Sin(2 * Math.PI * (hour - PeakHourUtc + 6) / 24);
        var weekend = time.UtcDateTime.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? WeekendFactor : 1;
        return daily * weekend;
    }
}
