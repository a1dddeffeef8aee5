namespace ReportApi.Alerting;

/// <summary>The <c>GET /v1/alerts</c> body.</summary>
public sealed record AlertList(string State, IReadOnlyList<AlertResponse> Items);

/// <summary>
/// One alert as the API (and the console) shows it: the series, the window against its baseline, the evaluations and the
/// context. A contract type over <see cref="Alert"/> only because the public JSON needs it: its fields come in a fixed
/// order, <c>firstEvaluation</c> repeats <c>openedAt</c>, <c>share</c> is computed and <c>reportsUrl</c> is relative.
/// </summary>
public sealed record AlertResponse(
    long Id,
    string SeriesKey,
    string Level,
    string? App,
    string? Version,
    string? NotedHostname,
    string Status,
    string Headline,
    string Summary,
    string Action,
    int WindowDevices,
    int? WindowNetworks,
    int PeakDevices,
    double BaselineMedian,
    int? ActiveDevices,
    double? Share,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset FirstEvaluation,
    DateTimeOffset LastEvaluation,
    IReadOnlyDictionary<string, int> DiagnosisMix,
    ChainInfo? TopChain,
    IReadOnlyList<VersionInfo> TopVersions,
    string ReportsUrl)
{
    public static AlertResponse From(Alert a) => new(
        a.Id, a.SeriesKey, a.Level, a.App, a.Version, a.NotedHostname, a.Status, a.Headline, a.Summary, a.Action, a.WindowDevices,
        a.WindowNetworks, a.PeakDevices, a.BaselineMedian, a.ActiveDevices, a.Share, a.OpenedAt, a.FiredAt, a.AcknowledgedAt, a.AcknowledgedBy,
        a.ResolvedAt, a.OpenedAt, a.LastEvaluatedAt, a.DiagnosisMix, a.TopChain, a.TopVersions, a.ReportsPath);
}
