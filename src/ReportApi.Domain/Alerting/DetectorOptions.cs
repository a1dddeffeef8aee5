using System.Globalization;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// Every threshold of the spike detector (the host binds it from its configuration and names the keys). The defaults are tuned
/// by the replay backtest: steady noise over a simulated week fires nothing, a rotation breaking 5% of one version's
/// devices fires on the second evaluation (within two minutes) and resolves about 20 minutes after traffic recovers.
/// </summary>
public sealed record DetectorOptions
{
    /// <summary>Distinct devices are counted over this trailing window; whole minutes because rollups are per minute.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the evaluator runs; also the granularity of the replay.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The baseline is the same window at the same time of day on each of this many previous days.</summary>
    public int BaselineDays { get; init; } = 7;

    /// <summary>
    /// Adjacent windows either side of the same time of day, per previous day. One on each side turns 7 samples into
    /// 21, enough for a median and MAD that one bad day (yesterday's incident) cannot move.
    /// </summary>
    public int BaselineNeighbourWindows { get; init; } = 1;

    /// <summary>
    /// No alert unless the window holds at least this many distinct devices above the baseline median: 20 extra phones
    /// are a pattern, 5 are a conference room behind one proxy.
    /// </summary>
    public int MinDevices { get; init; } = 20;

    /// <summary>The window must hold at least this multiple of the baseline median.</summary>
    public double RatioFloor { get; init; } = 3.0;

    /// <summary>Robust z-score to reach: (devices − median) / max(1.4826·MAD, √median, <see cref="MadFloor"/>).</summary>
    public double MadThreshold { get; init; } = 6.0;

    /// <summary>Smallest scale the z-score divides by, so an all-equal (zero MAD) baseline does not divide by zero.</summary>
    public double MadFloor { get; init; } = 1.0;

    /// <summary>
    /// Where activity is known, an excess of this share of the version's active devices counts as significant on its own:
    /// it lets a small version page below <see cref="MinDevices"/>. 0.5% because that is already a support-ticket wave.
    /// </summary>
    public double FailureRateThreshold { get; init; } = 0.005;

    /// <summary>Even by failure rate, an excess of fewer devices than this never pages: guards tiny beta versions.</summary>
    public int RateMinDevices { get; init; } = 10;

    /// <summary>Hysteresis: a window below this multiple of the baseline median counts as clear.</summary>
    public double ResolveRatio { get; init; } = 1.5;

    /// <summary>Hysteresis: a window whose excess over the median is below this fraction of the firing floor counts as clear.</summary>
    public double ResolveFloorFraction { get; init; } = 0.5;

    /// <summary>An alert resolves only after its windows have been clear for this long, so a dip does not flap it.</summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Consecutive spiking evaluations needed to fire; 1 fires on the first. Two means a page within two minutes of the
    /// first failing minute while a single glitchy evaluation (a late rollup) stays pending.
    /// </summary>
    public int PendingEvaluations { get; init; } = 2;

    /// <summary>A series with no history at all (new version, new chain) fires without a baseline at this many devices.</summary>
    public int FirstSeenMinDevices { get; init; } = 50;

    /// <summary>
    /// A spike pages only when its devices reported from at least this many distinct
    /// source networks (IPv4 /24, IPv6 /48) more than the baseline median, and the network count passes the same ratio and
    /// z-score tests as the device count (background noise swings it as much); with fewer it opens a non-paging suspicious
    /// alert. <c>POST /v1/reports</c> is public and device ids are free to mint, so the network is the evidence a forger
    /// cannot multiply cheaply. A report with a valid ingest key counts as its own network. 5 is from the backtest with
    /// networks (docs/forged-reports.md): the smallest simulated incident that pages reaches it with a wide margin,
    /// one or two networks (a forger, a conference room) never do. 0 turns the check off (e.g. when every report
    /// arrives through a proxy the host does not trust and so from one address).
    /// </summary>
    public int MinNetworksToPage { get; init; } = 5;

    /// <summary>A firing, unacknowledged alert is notified again after this long.</summary>
    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(1);

    public int WindowMinutes => (int)Window.TotalMinutes;

    /// <summary>Every problem, each naming its setting; empty when the options are usable.</summary>
    /// <param name="name">
    /// How a problem names a property: the host passes its configuration key (<c>MinDevices</c> → the key it binds it from),
    /// so an operator reads the key to fix; by default the property name. The domain knows no configuration layout.
    /// </param>
    public IReadOnlyList<string> Validate(Func<string, string>? name = null)
    {
        var key = name ?? (property => property);
        var problems = new List<string>();
        WholeMinutes(problems, key, nameof(Window), Window, TimeSpan.FromMinutes(1), TimeSpan.FromHours(6));
        WholeMinutes(problems, key, nameof(EvaluationInterval), EvaluationInterval, TimeSpan.FromMinutes(1), Window);
        Range(problems, key, nameof(BaselineDays), BaselineDays, 1, 35);
        Range(problems, key, nameof(BaselineNeighbourWindows), BaselineNeighbourWindows, 0, 12);
        Range(problems, key, nameof(MinDevices), MinDevices, 1, int.MaxValue);
        AtLeast(problems, key, nameof(RatioFloor), RatioFloor, 1.0);
        Positive(problems, key, nameof(MadThreshold), MadThreshold);
        Positive(problems, key, nameof(MadFloor), MadFloor);
        if (!(FailureRateThreshold > 0 && FailureRateThreshold <= 1))
        {
            problems.Add(Problem(key, nameof(FailureRateThreshold), "must be > 0 and <= 1", FailureRateThreshold));
        }

        // Above MinDevices the rate rule could never fire first; a bad MinDevices is reported once, not twice.
        Range(problems, key, nameof(RateMinDevices), RateMinDevices, 1, MinDevices >= 1 ? MinDevices : int.MaxValue);
        if (!(ResolveRatio > 0 && ResolveRatio < RatioFloor))
        {
            problems.Add(Problem(key, nameof(ResolveRatio), $"must be > 0 and below {key(nameof(RatioFloor))} ({Format(RatioFloor)}) for hysteresis", ResolveRatio));
        }

        if (!(ResolveFloorFraction > 0 && ResolveFloorFraction <= 1))
        {
            problems.Add(Problem(key, nameof(ResolveFloorFraction), "must be > 0 and <= 1", ResolveFloorFraction));
        }

        if (QuietPeriod < TimeSpan.Zero)
        {
            problems.Add(Problem(key, nameof(QuietPeriod), "must not be negative", QuietPeriod));
        }

        Range(problems, key, nameof(PendingEvaluations), PendingEvaluations, 1, 60);
        Range(problems, key, nameof(FirstSeenMinDevices), FirstSeenMinDevices, 1, int.MaxValue);
        Range(problems, key, nameof(MinNetworksToPage), MinNetworksToPage, 0, 100_000);
        if (RepeatInterval <= TimeSpan.Zero)
        {
            problems.Add(Problem(key, nameof(RepeatInterval), "must be positive", RepeatInterval));
        }

        return problems;
    }

    /// <summary>Throws with every problem listed (named as in <see cref="Validate"/>).</summary>
    public DetectorOptions EnsureValid(Func<string, string>? name = null)
    {
        var problems = Validate(name);
        return problems.Count == 0
            ? this
            : throw new InvalidOperationException("Invalid alerting configuration: " + string.Join("; ", problems));
    }

    private static void Range(List<string> problems, Func<string, string> key, string name, int value, int min, int max)
    {
        if (value < min)
        {
            problems.Add(Problem(key, name, $"must be >= {min}", value));
        }
        else if (value > max)
        {
            problems.Add(Problem(key, name, $"must be <= {max}", value));
        }
    }

    private static void AtLeast(List<string> problems, Func<string, string> key, string name, double value, double min)
    {
        if (!(value >= min) || double.IsInfinity(value))
        {
            problems.Add(Problem(key, name, $"must be >= {Format(min)}", value));
        }
    }

    private static void Positive(List<string> problems, Func<string, string> key, string name, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            problems.Add(Problem(key, name, "must be > 0", value));
        }
    }

    private static void WholeMinutes(List<string> problems, Func<string, string> key, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max || value.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            problems.Add(Problem(key, name, $"must be a whole number of minutes between {min} and {max}", value));
        }
    }

    private static string Problem(Func<string, string> key, string name, string rule, object value) =>
        $"{key(name)} {rule} (was {Format(value)})";

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
