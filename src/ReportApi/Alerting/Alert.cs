using System.Data.Common;
using System.Globalization;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Alerting;

/// <summary>
/// One alert as it is read back (<see cref="AlertingSql.AlertColumns"/>, by <see cref="AlertingStore"/>): the one read model
/// the API, the console and the notifications start from. The table's schema is <c>Data.AlertEntity</c> (EF owns it; it
/// is never read); the state machine's memory is the <c>state</c> column, read only by the evaluator as <see cref="AlertState"/>.
/// </summary>
public sealed record Alert(
    long Id,
    string SeriesKey,
    string Level,
    string? App,
    string? Version,
    string? NotedHostname,
    string Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset LastEvaluatedAt,
    int WindowDevices,
    int PeakDevices,
    double BaselineMedian,
    int? ActiveDevices,
    string Headline,
    string Summary,
    string Action,
    IReadOnlyDictionary<string, int> DiagnosisMix,
    ChainInfo? TopChain,
    IReadOnlyList<VersionInfo> TopVersions,
    int? WindowNetworks = null)
{
    /// <summary>Reads the columns of <see cref="AlertingSql.AlertColumns"/> by name.</summary>
    public static Alert Read(DbDataReader r) => new(
        r.Get<long>("id"), r.Get<string>("series_key"), r.Get<string>("level"), r.GetOrNull<string>("app"), r.GetOrNull<string>("version"),
        r.GetOrNull<string>("noted_hostname"), r.Get<string>("status"), r.Get<DateTimeOffset>("opened_at"), r.GetNullable<DateTimeOffset>("fired_at"),
        r.GetNullable<DateTimeOffset>("acknowledged_at"), r.GetOrNull<string>("acknowledged_by"), r.GetNullable<DateTimeOffset>("resolved_at"),
        r.Get<DateTimeOffset>("last_evaluated_at"), r.Get<int>("window_devices"), r.Get<int>("peak_devices"), r.Get<double>("baseline_median"),
        r.GetNullable<int>("active_devices"), r.Get<string>("headline"), r.Get<string>("summary"), r.Get<string>("action"),
        AlertJson.Read<Dictionary<string, int>>(r.GetOrNull<string>("diagnosis_mix")) ?? [], AlertJson.Read<ChainInfo>(r.GetOrNull<string>("top_chain")),
        AlertJson.Read<List<VersionInfo>>(r.GetOrNull<string>("top_versions")) ?? [], r.GetNullable<int>("window_networks"));

    /// <summary>A pending spike that never fired and resolved: nobody's business, hidden from lists and lookups.</summary>
    public bool IsHidden => FiredAt is null && Status == "resolved";

    /// <summary>
    /// The reports behind the alert's window, for a responder to judge a suspicious spike (same series filters as the
    /// alert; <c>from</c> is the window before the alert opened). Relative to the service's base URL.
    /// </summary>
    public string ReportsPath
    {
        get
        {
            var query = new List<string>();
            if (App is not null) query.Add("app=" + Uri.EscapeDataString(App));
            if (Version is not null) query.Add("version=" + Uri.EscapeDataString(Version));
            if (NotedHostname is not null) query.Add("hostname=" + Uri.EscapeDataString(NotedHostname));
            query.Add("from=" + Uri.EscapeDataString(OpenedAt.AddMinutes(-10).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
            return "/v1/reports?" + string.Join('&', query);
        }
    }

    /// <summary>The series' share of the population it covers, as in the headline (<see cref="SeriesShare"/>).</summary>
    public double? Share =>
        SeriesShare.Of(Level == "host" ? SeriesLevel.Host : SeriesLevel.Version, Version,
            WindowDevices, ActiveDevices, [.. TopVersions.Select(v => new VersionDevices(v.App, v.Version, v.Devices, v.ActiveDevices))])
            is { } share ? Math.Round(share.Value, 6) : null;

    /// <summary>The diagnosis with the most devices, for PagerDuty's <c>class</c>.</summary>
    public string? DominantDiagnosis => DiagnosisMix.OrderByDescending(e => e.Value).Select(e => e.Key).FirstOrDefault();
}

/// <summary>The failing chain as stored and shown: the certificate the diagnosis is about.</summary>
public sealed record ChainInfo(string Role, string Subject, string Issuer, string SpkiSha256, int Devices);

/// <summary>One app version's failing devices in the window, with its share of active devices where known.</summary>
public sealed record VersionInfo(string App, string Version, int Devices, int? ActiveDevices, double? Share);
