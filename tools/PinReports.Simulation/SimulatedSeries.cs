using System.Runtime.InteropServices;

namespace PinReports.Simulation;

/// <summary>
/// One series of a simulation: its key, the minute it came into existence (a version's launch), its active devices when
/// activity is known, and the failure events that belong to it, per minute (null for a minute without failures).
/// </summary>
internal sealed class SimulatedSeries(SeriesKey key, int startMinute, int? activeDevices, int minutes)
{
    public SeriesKey Key { get; } = key;

    public int StartMinute { get; } = startMinute;

    public int? ActiveDevices { get; } = activeDevices;

    public List<FailureEvent>?[] Events { get; } = new List<FailureEvent>?[minutes];

    public void Add(int minute, FailureEvent failure) => (Events[minute] ??= []).Add(failure);

    /// <summary>
    /// For every end minute, the distinct devices failing in minutes [end − window, end): a device failing every minute
    /// counts once. A sliding multiset touches each failure twice instead of once per window it falls in.
    /// </summary>
    public int[] WindowCounts(int window) => Distinct(window, static f => f.Device);

    /// <summary>For every end minute, the distinct source networks of the failures in minutes [end − window, end).</summary>
    public int[] WindowNetworkCounts(int window) => Distinct(window, static f => f.Network);

    private int[] Distinct(int window, Func<FailureEvent, int> of)
    {
        var counts = new int[Events.Length + 1];
        var inWindow = new Dictionary<int, int>();
        for (var end = 1; end <= Events.Length; end++)
        {
            foreach (var failure in Events[end - 1] ?? [])
            {
                CollectionsMarshal.GetValueRefOrAddDefault(inWindow, of(failure), out _)++;
            }

            if (end - 1 - window >= 0)
            {
                foreach (var failure in Events[end - 1 - window] ?? [])
                {
                    ref var occurrences = ref CollectionsMarshal.GetValueRefOrNullRef(inWindow, of(failure));
                    if (--occurrences == 0)
                    {
                        inWindow.Remove(of(failure));
                    }
                }
            }

            counts[end] = inWindow.Count;
        }

        return counts;
    }
}
