namespace ReportApi.Domain.Alerting;

/// <summary>
/// The failing devices of a series as a share of the population that series covers, so the number in the headline
/// adds up: a version series against its version's active devices; a host series against the active devices of the
/// versions failing on it, and only when those versions (the top three kept per alert) hold every failing device.
/// A host alert used to show its devices over the biggest version's population ("1695 devices (70.8% of 3.2.1)"
/// while 3.2.1 had 1,360 of them); no share is better than one that does not add up.
/// </summary>
public sealed record SeriesShare(double Value, string Population)
{
    public static SeriesShare? Of(SeriesLevel level, string? version, int windowDevices, int? activeDevices,
        IReadOnlyList<VersionDevices>? versions)
    {
        if (level != SeriesLevel.Host) return activeDevices is > 0 ? new((double)windowDevices / activeDevices.Value, version ?? "") : null;

        if (versions is not { Count: > 0 } || versions.Any(v => v.ActiveDevices is not > 0) || versions.Sum(v => v.Devices) < windowDevices)
        {
            return null;
        }
        var active = versions.Sum(v => (long)v.ActiveDevices!.Value);
        var which = versions.Count == 1 ? $"{versions[0].App} {versions[0].Version}" : $"its {versions.Count} failing versions";
        return new((double)windowDevices / active, $"the {active} active devices of {which}");
    }

    /// <summary>
    /// An evaluation at minute M reads the window [M − window, M) and a series opens on the first evaluation whose window
    /// holds its spike, so the first failing minute is M − 1: "fail since" names that minute, not the evaluation's.
    /// </summary>
    public static DateTimeOffset FirstFailingMinute(DateTimeOffset openedAt) => openedAt.AddMinutes(-1);
}
