namespace ReportApi.Stats;

/// <summary>The answer of <c>GET /v1/stats/failures</c>: the effective (bucket-aligned) range and one series per group.</summary>
internal sealed record FailureStats(
    DateTimeOffset From, DateTimeOffset To, string Interval, IReadOnlyList<string> GroupBy,
    IReadOnlyDictionary<string, string> Filters, IReadOnlyList<FailureSeries> Series);

/// <summary>One group (its dimension values; null where reports did not send the value) and every bucket of the range.</summary>
internal sealed record FailureSeries(IReadOnlyDictionary<string, string?> Key, IReadOnlyList<FailureBucket> Buckets);

/// <summary>
/// One bucket. <c>devicesReportOnly</c> is how many failing devices would have been blocked had enforcement been on;
/// devices whose reports did not say are in neither split. <c>failureRate</c> is <c>devices / activeDevices</c> and
/// is null (<c>rateKnown: false</c>) unless activity is known for every app, version and platform of the group.
/// </summary>
internal sealed record FailureBucket(
    DateTimeOffset Start, long Reports, long Duplicates, long ReportsEnforced, long ReportsReportOnly,
    long Devices, long DevicesEnforced, long DevicesReportOnly, long? ActiveDevices, double? FailureRate, bool RateKnown);
