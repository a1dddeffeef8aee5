using System.Globalization;
using ReportApi.Domain.Reports;
using ReportApi.Hosting;

namespace ReportApi.Stats;

/// <summary>One <c>GET /v1/stats/failures</c> query, validated: whole buckets, whitelisted dimensions.</summary>
internal sealed record StatsRequest(
    DateTimeOffset From, DateTimeOffset To, StatsInterval Interval, IReadOnlyList<StatsDimension> GroupBy,
    IReadOnlyDictionary<StatsDimension, string> Filters)
{
    public const int MaxBuckets = 10_000;

    public int BucketCount => (int)((To - From).Ticks / Interval.Step.Ticks);

    /// <summary>Parses the query string; every problem is reported, not just the first.</summary>
    public static (StatsRequest? Request, List<ParameterError> Problems) Parse(IQueryCollection query, DateTimeOffset now)
    {
        var problems = new List<ParameterError>();

        var groupBy = new List<StatsDimension>();
        foreach (var raw in query["groupBy"].SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0))
        {
            if (StatsDimension.Find(raw) is { } dimension)
            {
                if (!groupBy.Contains(dimension)) groupBy.Add(dimension);
            }
            else
            {
                problems.Add(new("groupBy", $"Unknown groupBy value '{Clip(raw)}'; use a comma list of {string.Join(", ", StatsDimension.All.Select(d => d.Name))}."));
            }
        }

        var filters = new Dictionary<StatsDimension, string>();
        foreach (var dimension in StatsDimension.All)
        {
            var values = query[dimension.Name];
            if (values.Count == 0) continue;
            if (values.Count > 1 || string.IsNullOrEmpty(values[0]) || values[0]!.Length > 512)
            {
                problems.Add(new(dimension.Name, $"Give '{dimension.Name}' once, as a non-empty value of at most 512 characters."));
                continue;
            }
            // Compared with what ingestion stored: the one platform and hostname rules (Domain.Reports).
            filters[dimension] = dimension == StatsDimension.Platform ? Platforms.Normalise(values[0]!)
                : dimension == StatsDimension.Hostname || dimension == StatsDimension.NotedHostname ? Hostnames.FromParameter(values[0]!)
                : values[0]!;
        }

        var from = ParseTime(query, "from", problems);
        var to = ParseTime(query, "to", problems);
        StatsInterval? interval = null;
        if (query["interval"] is { Count: > 0 } intervalValues)
        {
            interval = StatsInterval.Find(intervalValues[0]);
            if (interval is null || intervalValues.Count > 1)
            {
                problems.Add(new("interval", $"Unknown interval '{Clip(intervalValues.ToString())}'; use one of {string.Join(", ", StatsInterval.All.Select(i => i.Name))}."));
            }
        }
        if (problems.Count > 0) return (null, problems);

        // Default range: the last 24 hours; one bound alone keeps the default width.
        var end = to ?? (from is { } f ? f.AddHours(24) : now);
        var start = from ?? end.AddHours(-24);
        if (start >= end)
        {
            problems.Add(new("from", $"'from' ({start:O}) must be before 'to' ({end:O})."));
            return (null, problems);
        }

        var chosen = interval ?? StatsInterval.ForRange(end - start);
        if (end - start > chosen.MaxRange)
        {
            problems.Add(new("interval", $"Interval {chosen.Name} is too fine for a range of {Describe(end - start)}; it allows at most {Describe(chosen.MaxRange)}. Use a coarser interval."));
        }

        // Whole buckets aligned to UTC multiples of the interval: rollups cannot split a bucket.
        var request = new StatsRequest(chosen.Floor(start), chosen.Ceiling(end), chosen, groupBy, filters);
        if ((request.To - request.From).Ticks / chosen.Step.Ticks > MaxBuckets)
        {
            problems.Add(new("interval", $"The range and interval make {(request.To - request.From).Ticks / chosen.Step.Ticks} buckets; at most {MaxBuckets} are allowed."));
        }
        return problems.Count > 0 ? (null, problems) : (request, problems);
    }

    private static DateTimeOffset? ParseTime(IQueryCollection query, string name, List<ParameterError> problems)
    {
        if (query[name] is not { Count: > 0 } values) return null;
        if (values.Count == 1 && DateTimeOffset.TryParse(values[0], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            && values[0]!.Length >= 10 && char.IsAsciiDigit(values[0]![0]))
        {
            if (value.Year is >= 1970 and <= 9000) return value.ToUniversalTime();
            problems.Add(new(name, $"'{name}' must be between the years 1970 and 9000."));
            return null;
        }
        problems.Add(new(name, $"'{name}' must be an ISO 8601 date-time such as 2026-11-27T10:00:00Z (got '{Clip(values.ToString())}')."));
        return null;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.##} days" : span.TotalHours >= 1 ? $"{span.TotalHours:0.##} hours" : $"{span.TotalMinutes:0.##} minutes";

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>A dimension the API groups and filters by, and its whitelisted <c>failure_series</c> column.</summary>
internal sealed record StatsDimension(string Name, string Column)
{
    public static readonly StatsDimension App = new("app", "app");
    public static readonly StatsDimension Version = new("version", "version");
    public static readonly StatsDimension Platform = new("platform", "platform");
    public static readonly StatsDimension Hostname = new("hostname", "hostname");
    public static readonly StatsDimension NotedHostname = new("notedHostname", "noted_hostname");
    public static readonly StatsDimension Diagnosis = new("diagnosis", "diagnosis");

    public static readonly IReadOnlyList<StatsDimension> All = [App, Version, Platform, Hostname, NotedHostname, Diagnosis];

    public static StatsDimension? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}

/// <summary>
/// A bucket width, the serving grain that answers it (<c>failure_counts_{Grain}</c>), and the widest range it may cover ("too fine" above that:
/// a chart of more points than pixels, and a scan of a fine grain over a long window).
/// </summary>
internal sealed record StatsInterval(string Name, TimeSpan Step, string Grain, TimeSpan MaxRange)
{
    public static readonly StatsInterval OneMinute = new("1m", TimeSpan.FromMinutes(1), "minute", TimeSpan.FromDays(2));
    public static readonly StatsInterval FiveMinutes = new("5m", TimeSpan.FromMinutes(5), "five_minute", TimeSpan.FromDays(14));
    public static readonly StatsInterval OneHour = new("1h", TimeSpan.FromHours(1), "hour", TimeSpan.FromDays(92));
    public static readonly StatsInterval OneDay = new("1d", TimeSpan.FromDays(1), "day", TimeSpan.MaxValue);

    public static readonly IReadOnlyList<StatsInterval> All = [OneMinute, FiveMinutes, OneHour, OneDay];

    public static StatsInterval? Find(string? name) => All.FirstOrDefault(i => i.Name == name);

    /// <summary>The default for a range: a few hundred points at most, and the coarsest grain that gives them.</summary>
    public static StatsInterval ForRange(TimeSpan range) =>
        range <= TimeSpan.FromHours(2) ? OneMinute
        : range <= TimeSpan.FromHours(12) ? FiveMinutes
        : range <= TimeSpan.FromDays(14) ? OneHour
        : OneDay;

    public DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % Step.Ticks, TimeSpan.Zero);

    public DateTimeOffset Ceiling(DateTimeOffset t)
    {
        var floor = Floor(t);
        return floor == t ? t : floor + Step;
    }
}
