using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ReportApi.Domain.Diagnosis;
using ReportApi.Pins;
using ReportApi.Query;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>
/// Reports with filters and cursor pagination (<c>GET /v1/reports</c>); for an app version or a host also its failure
/// rate per hour (<c>GET /v1/stats/failures</c>) and its pin configurations with flags (<c>GET /v1/pins</c>).
/// </summary>
internal sealed class ReportsModel(ConsoleQueries queries) : PageModel
{
    public const int PageSize = 50;

    /// <summary>Inventory rows shown; a host pinned by hundreds of versions gets a link to narrow down instead.</summary>
    public const int MaxPinRows = 100;

    public static readonly IReadOnlyList<string> DiagnosisCodes = [.. Enum.GetValues<DiagnosisCode>().Select(c => c.ToWire())];

    public ReportListQuery Query { get; private set; } = new(null, null, null, null, null, null, null, null, null, null);
    public ReportPage? Results { get; private set; }
    public IReadOnlyList<string> Problems { get; private set; } = [];
    public IReadOnlyList<ChartPoint> Rate { get; private set; } = [];
    public bool RateIsShare { get; private set; }
    public string? RateProblem { get; private set; }
    public PinInventoryResponse? Pins { get; private set; }
    public DateTimeOffset From { get; private set; }
    public DateTimeOffset To { get; private set; }
    public bool Scoped => Query.App is not null || Query.Hostname is not null;

    public async Task OnGetAsync(
        string? app, string? version, string? platform, string? hostname, string? diagnosis, string? validationResult,
        string? from, string? to, string? cursor, CancellationToken ct)
    {
        static string? N(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        Query = new ReportListQuery(N(app), N(version), N(platform), N(hostname), N(diagnosis), N(validationResult), N(from), N(to),
            PageSize.ToString(CultureInfo.InvariantCulture), N(cursor));
        var (filter, problems) = ReportFilter.Validate(Query, queries.Now);
        if (filter is null)
        {
            Problems = [.. problems.Select(p => $"{p.Parameter}: {p.Detail}")];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        From = filter.From;
        To = filter.To;
        Results = await queries.Reports.PageAsync(filter, ct);
        if (!Scoped) return;

        // Hourly up to a week, daily beyond: the stats API's bucket limits, and a chart that stays readable.
        var interval = To - From <= TimeSpan.FromDays(7) ? "1h" : "1d";
        var stats = await queries.FailuresAsync(
        [
            new("app", Query.App), new("version", Query.Version), new("platform", Query.Platform), new("notedHostname", Query.Hostname),
            new("from", Fmt.Iso(From)), new("to", Fmt.Iso(To)), new("interval", interval),
        ], ct);
        if (stats.Value is { } s)
        {
            var buckets = s.Series.SelectMany(x => x.Buckets).GroupBy(b => b.Start).OrderBy(g => g.Key).ToList();
            // A rate needs every bucket's denominator; otherwise devices are shown, and the page says so.
            RateIsShare = buckets.Count > 0 && buckets.All(g => g.All(b => b.RateKnown)) && s.Series.Count == 1;
            Rate = [.. buckets.Select(g => new ChartPoint(g.Key, RateIsShare ? g.Sum(b => b.FailureRate ?? 0) : g.Sum(b => b.Devices)))];
        }
        else
        {
            RateProblem = stats.Problem!.Detail;
        }

        var pins = await queries.PinsAsync(
            [new("app", Query.App), new("version", Query.Version), new("platform", Query.Platform), new("hostname", Query.Hostname)], ct);
        Pins = pins.Value;
        if (pins.Problem is { } p) RateProblem = (RateProblem + " " + p.Detail).Trim();
    }

    /// <summary>This page's filters with some changed: for the pager, the CSV link and the chart's drill-down.</summary>
    public string Link(string path, string? cursor = null) => path + QueryString.Create(new KeyValuePair<string, string?>[]
    {
        new("app", Query.App), new("version", Query.Version), new("platform", Query.Platform), new("hostname", Query.Hostname),
        new("diagnosis", Query.Diagnosis), new("validationResult", Query.ValidationResult),
        new("from", Results is null ? Query.From : Fmt.Iso(From)), new("to", Results is null ? Query.To : Fmt.Iso(To)), new("cursor", cursor),
    }.Where(p => p.Value is not null));
}
