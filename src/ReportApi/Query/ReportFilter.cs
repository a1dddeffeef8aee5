using System.Globalization;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;

namespace ReportApi.Query;

/// <summary>The query string of <c>GET /v1/reports</c>, as sent; <see cref="Validate"/> turns it into a filter or problems.</summary>
internal sealed record ReportListQuery(
    string? App, string? Version, string? Platform, string? Hostname, string? Diagnosis,
    string? ValidationResult, string? From, string? To, string? Limit, string? Cursor);

/// <summary>A validated report filter. Every value reaches SQL as a parameter.</summary>
internal sealed record ReportFilter(
    string? App, string? Version, string? Platform, string? Hostname, string? Diagnosis, int? ValidationResult,
    DateTimeOffset From, DateTimeOffset To, int Limit, ReportCursor? Cursor)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    private const int MaxTextLength = 253;

    private static readonly HashSet<string> DiagnosisCodes =
        [.. Enum.GetValues<DiagnosisCode>().Select(c => c.ToWire())];

    public static (ReportFilter? Filter, List<QueryProblem> Problems) Validate(ReportListQuery q, DateTimeOffset now)
    {
        var problems = new List<QueryProblem>();
        var to = ParseTime(q.To, "to", problems) ?? now;
        var from = ParseTime(q.From, "from", problems) ?? to.AddHours(-24);
        if (from >= to) problems.Add(new("from", "'from' must be earlier than 'to'."));

        int? validationResult = null;
        if (q.ValidationResult is not null)
        {
            if (int.TryParse(q.ValidationResult, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) validationResult = v;
            else problems.Add(new("validationResult", "Must be an integer (TrustKit: 1 no matching pin, 2 invalid chain, 3 invalid parameters, 5 SPKI hash failed)."));
        }

        var limit = DefaultLimit;
        if (q.Limit is not null && (!int.TryParse(q.Limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            problems.Add(new("limit", $"Must be an integer from 1 to {MaxLimit}."));
        }

        ReportCursor? cursor = null;
        if (q.Cursor is not null)
        {
            if (ReportCursor.TryDecode(q.Cursor, out var c)) cursor = c;
            else problems.Add(new("cursor", "Not a cursor returned by this API (use nextCursor from the previous page)."));
        }

        if (q.Diagnosis is not null && !DiagnosisCodes.Contains(q.Diagnosis))
        {
            problems.Add(new("diagnosis", $"Must be one of: {string.Join(", ", DiagnosisCodes)}."));
        }
        foreach (var (name, value) in new[] { ("app", q.App), ("version", q.Version), ("platform", q.Platform), ("hostname", q.Hostname) })
        {
            if (value is { Length: 0 or > MaxTextLength }) problems.Add(new(name, $"Must be 1 to {MaxTextLength} characters."));
            // PostgreSQL text cannot hold NUL: without this check the query itself fails (a 500).
            else if (value?.Contains('\0', StringComparison.Ordinal) == true) problems.Add(new(name, "Must not contain a NUL character."));
        }

        return problems.Count > 0
            ? (null, problems)
            : (new ReportFilter(q.App, q.Version, Platforms.Normalise(q.Platform), q.Hostname is null ? null : Hostnames.FromParameter(q.Hostname), q.Diagnosis,
                validationResult, from, to, limit, cursor), problems);
    }

    private static DateTimeOffset? ParseTime(string? value, string name, List<QueryProblem> problems)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) return t;
        problems.Add(new(name, "Must be an ISO 8601 date-time, e.g. 2026-11-27T10:00:00Z."));
        return null;
    }
}

/// <summary>One invalid query parameter, by name.</summary>
internal sealed record QueryProblem(string Parameter, string Detail);
