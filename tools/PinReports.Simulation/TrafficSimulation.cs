using ReportApi.Domain.Diagnosis;

namespace PinReports.Simulation;

/// <summary>Generates the per-minute failing devices of a <see cref="TrafficScenario"/> with a seeded <see cref="Random"/>.</summary>
public static class TrafficSimulation
{
    private const int NoChain = -1;

    public static SimulatedTraffic Generate(TrafficScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var random = new Random(scenario.Seed);
        var minutes = scenario.Minutes;
        var versions = scenario.Versions;
        var hosts = versions.SelectMany(v => v.Hosts).Distinct().ToList();
        var hostIndex = hosts.Select((h, i) => (h, i)).ToDictionary(e => e.h, e => e.i);
        var chains = new List<FailingChain> { TrafficScenario.ServingChain, TrafficScenario.InterceptionChain };
        const int servingChain = 0, interceptionChain = 1;

        // Device ids are global: version v owns [offset[v], offset[v] + active), so a host series counts each phone once.
        var offsets = new int[versions.Count];
        for (var v = 1; v < versions.Count; v++)
        {
            offsets[v] = offsets[v - 1] + versions[v - 1].ActiveDevices;
        }

        var launch = versions.Select(v => v.LaunchedAt is { } at ? Math.Max(0, MinuteOf(scenario, at)) : 0).ToArray();
        var layout = SeriesLayout.Create(scenario, hosts, launch, minutes);

        var rotations = scenario.Rotations.Select(r => new ActiveIncident(
            VersionIndex(versions, r.App, r.Version), HostIndex(hosts, r.Hostname), MinuteOf(scenario, r.Start),
            MinuteOf(scenario, r.Start + r.Duration), (int)Math.Ceiling(r.BrokenShare * VersionOf(versions, r.App, r.Version).ActiveDevices),
            DiagnosisCode.ServerRotation, AddChain(chains, r.NewChain))).ToList();
        var launches = scenario.Launches.Select(l => new ActiveIncident(
            VersionIndex(versions, l.App, l.Version), HostIndex(hosts, l.Hostname), MinuteOf(scenario, l.Start),
            MinuteOf(scenario, l.Start + l.Duration), l.FailingDevices, l.Code, AddChain(chains, l.Chain))).ToList();

        var incidents = rotations.Concat(launches).ToArray();

        // A device's source network: a few large shared networks (carrier NAT) or a household one. A pure function of the
        // device and seed, so a device keeps its network all week.
        var totalDevices = offsets[^1] + versions[^1].ActiveDevices;
        var salt = (uint)scenario.Seed * 2654435761u;
        int Network(int device)
        {
            var h = (uint)device * 2246822519u ^ salt;
            h ^= h >> 15;
            h *= 3266489917u;
            h ^= h >> 13;
            return (h % 1000) / 1000.0 < scenario.SharedNetworkShare ? (int)(h % (uint)scenario.SharedNetworks) : scenario.SharedNetworks + device / 2;
        }

        var forgeries = scenario.Forgeries.Select(f => (Version: VersionIndex(versions, f.App, f.Version), Host: HostIndex(hosts, f.Hostname),
            From: MinuteOf(scenario, f.Start), Until: MinuteOf(scenario, f.Start + f.Duration), f.Devices, f.Networks)).ToArray();
        var forgedDevice = totalDevices;
        var forgedNetwork = scenario.SharedNetworks + totalDevices;
        var bursts = new List<(int Device, int Version, int Host, int Until)>();
        for (var minute = 0; minute < minutes; minute++)
        {
            var season = scenario.Season(scenario.Start.AddMinutes(minute));

            for (var v = 0; v < versions.Count; v++)
            {
                if (minute < launch[v])
                {
                    continue;
                }

                var lambda = versions[v].ActiveDevices * scenario.BackgroundFailuresPerDeviceMinute * season;
                foreach (var host in versions[v].Hosts)
                {
                    var h = hostIndex[host];
                    for (var k = Poisson(random, lambda); k > 0; k--)
                    {
                        var device = offsets[v] + random.Next(versions[v].ActiveDevices);
                        var roll = random.NextDouble();
                        var network = Network(device);
                        layout.Add(minute, roll < 0.5 ? new FailureEvent(device, v, h, DiagnosisCode.Unknown, NoChain, network)
                            : roll < 0.85 ? new FailureEvent(device, v, h, DiagnosisCode.InterceptionSuspected, interceptionChain, network)
                            : new FailureEvent(device, v, h, DiagnosisCode.ClientConfigError, servingChain, network));
                    }
                }
            }

            // A device behind an inspecting proxy fails on every connection until it leaves that network.
            for (var h = 0; h < hosts.Count; h++)
            {
                for (var k = Poisson(random, scenario.InterceptionsPerHostHour / 60); k > 0; k--)
                {
                    var v = PickVersion(random, versions, launch, minute, hosts[h]);
                    if (v >= 0)
                    {
                        bursts.Add((offsets[v] + random.Next(versions[v].ActiveDevices), v, h,
                            minute + random.Next(1, scenario.MaxInterceptionMinutes + 1)));
                    }
                }
            }

            bursts.RemoveAll(b => b.Until <= minute);
            foreach (var burst in bursts)
            {
                layout.Add(minute, new FailureEvent(burst.Device, burst.Version, burst.Host, DiagnosisCode.InterceptionSuspected, interceptionChain,
                    Network(burst.Device)));
            }

            var chance = Math.Min(1, scenario.IncidentReportProbability * season);
            foreach (var incident in incidents)
            {
                if (minute < incident.From || minute >= incident.Until)
                {
                    continue;
                }

                for (var i = 0; i < incident.Devices; i++)
                {
                    if (random.NextDouble() < chance)
                    {
                        var device = offsets[incident.Version] + i;
                        layout.Add(minute, new FailureEvent(device, incident.Version, incident.Host, incident.Code, incident.Chain, Network(device)));
                    }
                }
            }

            // Forged reports: new device ids every burst, every one of them every minute, from a handful of networks.
            foreach (var forgery in forgeries)
            {
                if (minute < forgery.From || minute >= forgery.Until)
                {
                    continue;
                }

                for (var i = 0; i < forgery.Devices; i++)
                {
                    layout.Add(minute, new FailureEvent(forgedDevice + i, forgery.Version, forgery.Host, DiagnosisCode.Unknown, NoChain,
                        forgedNetwork + i % Math.Max(1, forgery.Networks)));
                }
            }
        }

        return new SimulatedTraffic(scenario, chains, layout.Series, layout.Failures);
    }

    /// <summary>Knuth's method for the small per-minute means here; a normal approximation keeps large means cheap.</summary>
    internal static int Poisson(Random random, double lambda)
    {
        if (lambda <= 0)
        {
            return 0;
        }

        if (lambda > 30)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(lambda + Math.Sqrt(lambda) * normal));
        }

        var limit = Math.Exp(-lambda);
        var count = 0;
        for (var product = random.NextDouble(); product > limit; product *= random.NextDouble())
        {
            count++;
        }

        return count;
    }

    private static int PickVersion(Random random, IReadOnlyList<SimulatedVersion> versions, int[] launch, int minute, string host)
    {
        var total = 0L;
        for (var v = 0; v < versions.Count; v++)
        {
            total += minute >= launch[v] && versions[v].Hosts.Contains(host) ? versions[v].ActiveDevices : 0;
        }

        var pick = total == 0 ? -1 : random.NextInt64(total);
        for (var v = 0; v < versions.Count && pick >= 0; v++)
        {
            pick -= minute >= launch[v] && versions[v].Hosts.Contains(host) ? versions[v].ActiveDevices : 0;
            if (pick < 0)
            {
                return v;
            }
        }

        return -1;
    }

    private static int MinuteOf(TrafficScenario scenario, DateTimeOffset time) => (int)Math.Floor((time - scenario.Start).TotalMinutes);

    private static int AddChain(List<FailingChain> chains, FailingChain chain)
    {
        chains.Add(chain);
        return chains.Count - 1;
    }

    private static SimulatedVersion VersionOf(IReadOnlyList<SimulatedVersion> versions, string app, string version) =>
        versions[VersionIndex(versions, app, version)];

    private static int VersionIndex(IReadOnlyList<SimulatedVersion> versions, string app, string version)
    {
        for (var v = 0; v < versions.Count; v++)
        {
            if (versions[v].App == app && versions[v].Version == version)
            {
                return v;
            }
        }

        throw new ArgumentException($"The scenario has no version {app} {version}; add it to Versions.");
    }

    private static int HostIndex(List<string> hosts, string hostname) =>
        hosts.IndexOf(hostname) is var index and >= 0
            ? index
            : throw new ArgumentException($"No simulated version calls {hostname}; add it to a version's Hosts.");

    private sealed record ActiveIncident(int Version, int Host, int From, int Until, int Devices, DiagnosisCode Code, int Chain);
}
