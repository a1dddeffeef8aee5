using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ReportApi.Auth;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Infrastructure;

namespace ReportApi.Pins;

/// <summary><c>GET /v1/pins</c> (pin inventory) and <c>POST /v1/preflight</c> (would this chain break an app version?).</summary>
internal static partial class PinsEndpoints
{
    /// <summary>A chain is a few KiB; the cap only keeps a wrong upload from being buffered.</summary>
    public const int MaxChainBytes = 256 * 1024;

    private const int MaxCertificates = 20;

    private static readonly string[] PemMediaTypes = ["application/x-pem-file", "application/pem-certificate-chain", "text/plain"];

    public static RouteGroupBuilder MapPins(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Pins").RequireAuthorization(Policies.Read);
        group.MapGet("/pins", ListAsync)
            .WithName("ListPins")
            .WithSummary("Pin inventory learned from reports")
            .WithDescription("Per app, version, platform, noted hostname and pin set: the known pins (with the certificate each names, "
                + "when seen), the known-pins expiration date, first and last seen, distinct devices, reports and flags "
                + "(fewer-than-two-pins, single-ca, expiring-soon, expired). Filters: app, version, platform, hostname, expiringWithinDays.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/preflight", PreflightAsync)
            .WithName("Preflight")
            .WithSummary("Would this certificate chain pass the pins of every app version seen recently?")
            .WithDescription("Body: the PEM chain about to be deployed (leaf first). Query: hostname. For each app configuration seen "
                + "in the last 30 days that pins the hostname: pass or fail, the matching pin, and the devices that would fail.")
            .Accepts<string>("application/x-pem-file", "application/pem-certificate-chain", "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    /// <summary>
    /// The query parameters, declared so the OpenAPI document lists them. All are bound as text and validated here
    /// (from the raw query, which also sees a repeated parameter): a malformed value is a 400 problem, never a 500.
    /// </summary>
    internal sealed record PinListQuery(
        [property: FromQuery(Name = "app")] string? App,
        [property: FromQuery(Name = "version")] string? Version,
        [property: FromQuery(Name = "platform")] string? Platform,
        [property: FromQuery(Name = "hostname")] string? Hostname,
        [property: FromQuery(Name = "expiringWithinDays")] string? ExpiringWithinDays);

    internal sealed record PreflightQuery([property: FromQuery(Name = "hostname")] string? Hostname);

    internal static async Task<Results<Ok<PinInventoryResponse>, ProblemHttpResult>> ListAsync(
        [AsParameters] PinListQuery parameters, HttpContext http, PinInventoryStore store, IOptions<PinsOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        _ = parameters;
        var query = http.Request.Query;
        var errors = new List<string>();
        var app = Single(query, "app", errors);
        var version = Single(query, "version", errors);
        var platform = Single(query, "platform", errors);
        var hostname = Single(query, "hostname", errors);
        var days = options.Value.ExpiringWithinDays;
        if (Single(query, "expiringWithinDays", errors) is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days > 3650))
        {
            errors.Add("expiringWithinDays must be a whole number of days from 0 to 3650.");
        }
        if (errors.Count > 0) return BadRequest("Invalid query parameters", errors);

        var rows = await store.ListAsync(app, version, platform, hostname?.TrimEnd('.'), ct);
        var certificates = await store.PinnedCertificatesAsync(rows.SelectMany(r => r.Sha256Pins), ct);
        var cas = certificates.ToDictionary(c => c.Key, c => new PinCa(c.Key, c.Value.CaNames), StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

        var items = rows.Select(r => new PinInventoryItem(
            r.App, r.Version, r.Platform, r.NotedHostname, r.IncludeSubdomains, r.EnforcePinning,
            [.. r.Sha256Pins.Select(pin => new PinEntry($"pin-sha256=\"{pin}\"", pin,
                certificates.TryGetValue(pin, out var c) ? ToPinCertificate(c) : null))],
            r.MalformedPins, r.ExpirationDate, r.FirstSeen, r.LastSeen, r.Devices, r.Reports,
            PinFlags.Evaluate(r.Sha256Pins, cas, r.ExpirationDate, today, days))).ToList();
        return TypedResults.Ok(new PinInventoryResponse(items, await store.DataThroughAsync(ct), days));
    }

    internal static async Task<Results<Ok<PreflightResponse>, ProblemHttpResult>> PreflightAsync(
        [AsParameters] PreflightQuery parameters, HttpContext http, PinInventoryStore store, DiagnosisService diagnosis, HostKeyHistory history,
        IOptions<PinsOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        if (UnsupportedChainMediaType(http) is { } unsupported) return unsupported;

        _ = parameters;
        var errors = new List<string>();
        var hostname = NormalizeHostname(Single(http.Request.Query, "hostname", errors), errors);
        if (errors.Count > 0 || hostname is null) return BadRequest("Invalid query parameters", errors);

        var (parsed, _, problem) = await ReadChainAsync(http, ct);
        if (problem is not null) return problem;

        var now = time.GetUtcNow();
        return TypedResults.Ok(await EvaluateChainAsync(parsed!, hostname, now, now, store, diagnosis, options.Value, ct, history));
    }

    /// <summary>415 unless the body is declared as a PEM chain; shared by every endpoint that takes one (pre-flight, host chains).</summary>
    internal static ProblemHttpResult? UnsupportedChainMediaType(HttpContext http) =>
        MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var media)
        && PemMediaTypes.Contains(media.MediaType.Value, StringComparer.OrdinalIgnoreCase)
            ? null
            : Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the PEM chain as application/x-pem-file (or application/pem-certificate-chain, text/plain).");

    /// <summary>
    /// The body's PEM chain, capped at <see cref="MaxChainBytes"/> and <see cref="MaxCertificates"/>, with at least one
    /// parsable certificate, and its certificate blocks alone (the text around them dropped); else a 4xx problem.
    /// </summary>
    internal static async Task<(ParsedChain? Chain, string? Pem, ProblemHttpResult? Problem)> ReadChainAsync(HttpContext http, CancellationToken ct)
    {
        string text;
        using (var body = await RequestBody.ReadAsync(http, MaxChainBytes, ct))
        {
            if (body.TooLarge) return (null, null, Problem(StatusCodes.Status413PayloadTooLarge, "Chain too large", $"A PEM chain is at most {MaxChainBytes} bytes."));
            text = Encoding.UTF8.GetString(body.Span);
        }

        var pems = PemBlock().Matches(text).Select(m => m.Value).ToList();
        if (pems.Count == 0) return (null, null, BadRequest("No PEM certificate", ["The body holds no -----BEGIN CERTIFICATE----- block."]));
        if (pems.Count > MaxCertificates) return (null, null, BadRequest("Too many certificates", [$"A chain has at most {MaxCertificates} certificates."]));
        var parsed = ChainParser.Parse(pems);
        if (!parsed.Certificates.Any(c => c.Parsed))
        {
            return (null, null, BadRequest("No parsable certificate", [.. parsed.Certificates.Select(c => $"Certificate {c.Position}: {c.ParseError}.")]));
        }
        return (parsed, string.Join("\n", pems) + "\n", null);
    }

    /// <summary>
    /// The pre-flight verdict of <paramref name="parsed"/> for <paramref name="hostname"/>, as devices will judge it at
    /// <paramref name="at"/> (now for the pre-flight and a live chain; a planned chain's first day otherwise): the chain's
    /// validity and trust, and whether pins have expired by then. Which configurations count is decided at <paramref name="now"/>.
    /// </summary>
    internal static async Task<PreflightResponse> EvaluateChainAsync(
        ParsedChain parsed, string hostname, DateTimeOffset at, DateTimeOffset now, PinInventoryStore store, DiagnosisService diagnosis,
        PinsOptions o, CancellationToken ct, HostKeyHistory? history = null)
    {
        var since = now.AddDays(-o.RecentDays);
        var rows = await store.PreflightCandidatesAsync(since, hostname, ct);
        // The key history of the host and of the pinning policies that cover it (a wildcard policy's noted hostname).
        var seen = new Dictionary<string, Domain.Diagnosis.SeenKey>(StringComparer.Ordinal);
        foreach (var host in rows.Select(r => r.NotedHostname).Prepend(hostname).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (history is null) break;
            foreach (var (spki, key) in history.Get(host).Keys) seen.TryAdd(spki, key);
        }
        var chain = PreflightEvaluator.Analyze(parsed, hostname, diagnosis.Anchors, at, o.ExpiringWithinDays, seen);
        var matches = rows.ToDictionary(r => r.Id, r => PreflightEvaluator.Match(r.Sha256Pins, chain));
        var failing = rows.Where(r => matches[r.Id].Count == 0).Select(r => r.Id).ToArray();
        // Per-row counts of every configuration, the distinct total only over the failing ones: at 10 M reports each query
        // reads a busy host's whole device set, and computing both for both sets doubled the pre-flight (1.3 s).
        var devices = await store.RecentDevicesPerRowAsync([.. rows.Select(r => r.Id)], since, ct);
        var affected = await store.RecentDistinctDevicesAsync(failing, since, ct);
        var today = DateOnly.FromDateTime(at.UtcDateTime);

        var versions = rows.Select(r =>
        {
            var m = matches[r.Id];
            var recent = devices.GetValueOrDefault(r.Id);
            return m.Count > 0
                ? new PreflightVersion(r.App, r.Version, r.Platform, r.NotedHostname, "pass", "none", m, r.Sha256Pins.Length, recent, 0,
                    r.LastSeen, r.ExpirationDate, $"{m[0].Pin} names the {m[0].Role} at position {m[0].Position} ({m[0].Subject}).")
                : Fail(r, recent, today, o.RecentDays);
        }).ToList();

        var warnings = chain.Warnings.ToList();
        if (rows.Count == 0) warnings.Add($"No app configuration pinning {hostname} was seen in the last {o.RecentDays} days.");
        var verdict = rows.Count == 0 ? "no-data" : failing.Length > 0 ? "fail" : "pass";
        return new PreflightResponse(hostname, verdict, rows.Count, rows.Count - failing.Length, failing.Length, affected,
            chain.Trusted, chain.Keys, warnings, versions, await store.DataThroughAsync(ct), o.RecentDays);
    }

    private static PreflightVersion Fail(InventoryRow r, long devices, DateOnly today, int recentDays)
    {
        var (impact, consequence) = r switch
        {
            { ExpirationDate: { } date } when date < today => ("pins-expired", $" Its pins expired on {date:yyyy-MM-dd}, so TrustKit no longer enforces them."),
            { EnforcePinning: false } => ("report-only", " Pinning is not enforced: connections go on, but every one sends a report."),
            _ => ("blocked", ""),
        };
        var reason = r.Sha256Pins.Length == 0
            ? "It has no well-formed pin."
            : $"None of its {r.Sha256Pins.Length} pins names a key of the new chain; {devices} device(s) seen in the last {recentDays} days would fail.";
        return new PreflightVersion(r.App, r.Version, r.Platform, r.NotedHostname, "fail", impact, [], r.Sha256Pins.Length, devices, devices,
            r.LastSeen, r.ExpirationDate, reason + consequence);
    }

    private static PinCertificate ToPinCertificate(PinnedCertificate c) => new(
        c.Subject, c.Issuer, c.Role, c.Position >= 0 ? c.Position : null, c.NotAfter, c.CaNames.Count > 0 ? c.CaNames[0] : c.Issuer, c.Source);

    /// <summary>A DNS name or IP literal, lower case, without a trailing dot.</summary>
    internal static string? NormalizeHostname(string? value, List<string> errors)
    {
        if (value is null)
        {
            errors.Add("hostname is required: the host the chain will be served for, e.g. ?hostname=api.example.com.");
            return null;
        }
        var host = value.Trim().TrimEnd('.').ToLowerInvariant();
        if (host.Length is 0 or > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            errors.Add("hostname must be a DNS name or an IP address.");
            return null;
        }
        return host;
    }

    /// <summary>One value or none; an empty value counts as none, a repeated parameter is an error.</summary>
    private static string? Single(IQueryCollection query, string name, List<string> errors)
    {
        if (!query.TryGetValue(name, out var values)) return null;
        if (values.Count > 1)
        {
            errors.Add($"{name} may be given once.");
            return null;
        }
        return string.IsNullOrWhiteSpace(values[0]) ? null : values[0]!.Trim();
    }

    internal static ProblemHttpResult BadRequest(string title, IReadOnlyList<string> errors) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: title, detail: string.Join(" ", errors),
        extensions: new Dictionary<string, object?> { ["errors"] = errors });

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[\\s\\S]*?-----END CERTIFICATE-----", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    internal static partial Regex PemBlock();
}
