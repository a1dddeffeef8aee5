namespace PinReports.Simulation;

/// <summary>Routes each failure to its three series: the hostname, the version, and the version on that hostname.</summary>
internal sealed class SeriesLayout
{
    private readonly SimulatedSeries[] byHost;
    private readonly SimulatedSeries[] byVersion;
    private readonly Dictionary<(int Version, int Host), SimulatedSeries> byVersionHost;

    private SeriesLayout(SimulatedSeries[] byHost, SimulatedSeries[] byVersion, Dictionary<(int, int), SimulatedSeries> byVersionHost,
        IReadOnlyList<SimulatedSeries> series)
    {
        this.byHost = byHost;
        this.byVersion = byVersion;
        this.byVersionHost = byVersionHost;
        Series = series;
    }

    public IReadOnlyList<SimulatedSeries> Series { get; }

    /// <summary>Device-minutes of failure routed so far.</summary>
    public long Failures { get; private set; }

    public static SeriesLayout Create(TrafficScenario scenario, List<string> hosts, int[] launch, int minutes)
    {
        var versions = scenario.Versions;
        int? Active(int v) => scenario.ActivityKnown ? versions[v].ActiveDevices : null;

        // A hostname exists from the first launch of a version calling it.
        var byHost = hosts.Select(h => new SimulatedSeries(SeriesKey.ForHost(h),
            Enumerable.Range(0, versions.Count).Where(v => versions[v].Hosts.Contains(h)).Min(v => launch[v]), null, minutes)).ToArray();
        var byVersion = versions.Select((v, i) => new SimulatedSeries(SeriesKey.ForVersion(v.App, v.Version), launch[i], Active(i), minutes)).ToArray();
        var byVersionHost = new Dictionary<(int, int), SimulatedSeries>();
        for (var v = 0; v < versions.Count; v++)
        {
            foreach (var host in versions[v].Hosts)
            {
                byVersionHost[(v, hosts.IndexOf(host))] = new SimulatedSeries(
                    SeriesKey.ForVersionHost(versions[v].App, versions[v].Version, host), launch[v], Active(v), minutes);
            }
        }

        var all = byHost.Concat(byVersion).Concat(byVersionHost.Values).ToList();
        return new SeriesLayout(byHost, byVersion, byVersionHost, all);
    }

    public void Add(int minute, FailureEvent failure)
    {
        Failures++;
        byHost[failure.Host].Add(minute, failure);
        byVersion[failure.Version].Add(minute, failure);
        byVersionHost[(failure.Version, failure.Host)].Add(minute, failure);
    }
}
