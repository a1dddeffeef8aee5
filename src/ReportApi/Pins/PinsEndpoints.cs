using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ReportApi.Auth;
using ReportApi.Diagnosis;
using ReportApi.Domain.Pins;
using ReportApi.Domain.Reports;
using ReportApi.Hosting;

namespace ReportApi.Pins;

/// <summary><c>GET /v1/pins</c> (pin inventory) and <c>POST /v1/preflight</c> (would this chain break an app version?).</summary>
internal static class PinsEndpoints
{
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
        [AsParameters] PinListQuery parameters, HttpContext http, PinInventoryStore store, DiagnosisService diagnosis, IOptions<PinsOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        _ = parameters;
        var query = http.Request.Query;
        var errors = new List<ParameterError>();
        var app = Single(query, "app", errors);
        var version = Single(query, "version", errors);
        var platform = Single(query, "platform", errors);
        var hostname = Single(query, "hostname", errors);
        var days = options.Value.ExpiringWithinDays;
        if (Single(query, "expiringWithinDays", errors) is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days > 3650))
        {
            errors.Add(new("expiringWithinDays", "expiringWithinDays must be a whole number of days from 0 to 3650."));
        }
        if (errors.Count > 0) return Problems.BadRequest(InvalidQueryTitle, errors);

        // The one platform and hostname rules (Domain.Reports); the SQL still compares case-insensitively.
        var rows = await store.ListAsync(app, version, Platforms.Normalise(platform), hostname is null ? null : Hostnames.FromParameter(hostname), ct);
        var certificates = await store.PinnedCertificatesAsync(rows.SelectMany(r => r.Sha256Pins), diagnosis.Anchors, ct);
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
        [AsParameters] PreflightQuery parameters, HttpContext http, PreflightService preflight, TimeProvider time, CancellationToken ct)
    {
        if (ChainUpload.UnsupportedMediaType(http) is { } unsupported) return unsupported;

        _ = parameters;
        var errors = new List<ParameterError>();
        var hostname = HostParameter(Single(http.Request.Query, "hostname", errors), "hostname", errors);
        if (errors.Count > 0 || hostname is null) return Problems.BadRequest(InvalidQueryTitle, errors);

        var (parsed, _, problem) = await ChainUpload.ReadAsync(http, ct);
        if (problem is not null) return problem;

        var now = time.GetUtcNow();
        return TypedResults.Ok(await preflight.EvaluateAsync(parsed!, hostname, now, now, useKeyHistory: true, ct));
    }

    private static PinCertificate ToPinCertificate(PinnedCertificate c) => new(
        c.Subject, c.Issuer, c.Role, c.Position >= 0 ? c.Position : null, c.NotAfter, c.CaNames.Count > 0 ? c.CaNames[0] : c.Issuer, c.Source);

    private const string InvalidQueryTitle = "Invalid query parameters";

    /// <summary>
    /// A host a chain is served for (query or path parameter <paramref name="parameter"/>): required, and a DNS name or IP
    /// literal after the one hostname rule (<see cref="Hostnames.FromParameter"/>); else null with the problem in <paramref name="errors"/>.
    /// </summary>
    internal static string? HostParameter(string? value, string parameter, List<ParameterError> errors)
    {
        if (value is null)
        {
            errors.Add(new(parameter, "hostname is required: the host the chain will be served for, e.g. ?hostname=api.example.com."));
            return null;
        }
        var host = Hostnames.FromParameter(value);
        if (!Hostnames.IsHost(host))
        {
            errors.Add(new(parameter, "hostname must be a DNS name or an IP address."));
            return null;
        }
        return host;
    }

    /// <summary>One value or none; an empty value counts as none, a repeated parameter is an error.</summary>
    private static string? Single(IQueryCollection query, string name, List<ParameterError> errors)
    {
        if (!query.TryGetValue(name, out var values)) return null;
        if (values.Count > 1)
        {
            errors.Add(new(name, $"{name} may be given once."));
            return null;
        }
        return string.IsNullOrWhiteSpace(values[0]) ? null : values[0]!.Trim();
    }
}
