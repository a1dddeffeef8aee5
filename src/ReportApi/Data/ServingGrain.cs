namespace ReportApi.Data;

/// <summary>
/// A grain of the serving tables (<c>failure_counts_{Name}</c>, issue #12): its bucket width, the device-set grain
/// its closed buckets are counted from, and which groupings it stores. Minute-wide grains keep only groupings of at
/// most two dimensions (about 170 rows a minute instead of thousands: a month of every grouping at minute grain would
/// be larger than the device sets it summarises); a query for a wider grouping at 1m/5m counts live from the minute
/// device sets, exactly, at the cost the old read path had.
/// </summary>
internal sealed record ServingGrain(string Name, TimeSpan Step, string SqlStep, string DeviceGrain, int MaxDimensions)
{
    public static readonly ServingGrain Minute = new("minute", TimeSpan.FromMinutes(1), "1 minute", "minute", 2);
    public static readonly ServingGrain FiveMinutes = new("five_minute", TimeSpan.FromMinutes(5), "5 minutes", "minute", 2);
    public static readonly ServingGrain Hour = new("hour", TimeSpan.FromHours(1), "1 hour", "hour", ServingDimensions.Count);
    public static readonly ServingGrain Day = new("day", TimeSpan.FromDays(1), "1 day", "day", ServingDimensions.Count);

    public static readonly IReadOnlyList<ServingGrain> All = [Minute, FiveMinutes, Hour, Day];

    public string Table => $"failure_counts_{Name}";

    /// <summary>Hour and day keep their own device sets, folded by the closer; the minute grains count minute rows.</summary>
    public bool HasOwnDeviceSet => DeviceGrain != "minute";

    /// <summary>The grouping masks stored at this grain (see <see cref="ServingDimensions"/>).</summary>
    public short[] StoredMasks =>
        [.. Enumerable.Range(0, 1 << ServingDimensions.Count).Where(m => System.Numerics.BitOperations.PopCount((uint)m) <= MaxDimensions).Select(m => (short)m)];

    public static ServingGrain Find(string name) => All.Single(g => g.Name == name);
}

/// <summary>
/// The grouping dimensions as bits of a mask (<c>dims</c> column): a serving row holds the counts of one group of one
/// grouping; dimensions outside the mask are stored as <c>''</c>. A filter is a grouping with a fixed value, so any
/// <c>groupBy</c> plus filters of the API is one mask.
/// </summary>
internal static class ServingDimensions
{
    public const int Count = 6;

    /// <summary>failure_series columns in bit order: app = 1, version = 2, platform = 4, hostname = 8, noted_hostname = 16, diagnosis = 32.</summary>
    public static readonly string[] Columns = ["app", "version", "platform", "hostname", "noted_hostname", "diagnosis"];

    public static int Bit(string column) => 1 << Array.IndexOf(Columns, column);

    /// <summary>The group key of series alias <paramref name="series"/> under mask expression <paramref name="mask"/>.</summary>
    public static string Key(string mask, string series) =>
        string.Join(", ", Columns.Select((c, i) => $"CASE WHEN {mask} & {1 << i} <> 0 THEN {series}.{c} ELSE '' END"));

    public static string KeyAs(string mask, string series) =>
        string.Join(", ", Columns.Select((c, i) => $"CASE WHEN {mask} & {1 << i} <> 0 THEN {series}.{c} ELSE '' END AS {c}"));

    public static string List(string alias) => string.Join(", ", Columns.Select(c => $"{alias}.{c}"));

    public static readonly string Bare = string.Join(", ", Columns);
}
