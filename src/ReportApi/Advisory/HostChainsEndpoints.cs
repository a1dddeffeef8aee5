using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using ReportApi.Auth;
using ReportApi.Domain.Certificates;
using ReportApi.Hosting;
using ReportApi.Pins;

namespace ReportApi.Advisory;

/// <summary>
/// The chain each pinned host serves now and the one it will serve from a date: the advisory's input. Recording (admin)
/// answers the pre-flight verdict, with the pre-flight's media types, size cap and parsing (<see cref="ChainUpload"/>, <see cref="PreflightService"/>).
/// </summary>
internal static partial class HostChainsEndpoints
{
    /// <summary>A plan further out than this is a typo (a year of 20266), not a plan.</summary>
    private const int MaxPlanDays = 5 * 366;

    private const int HistoryEntries = 50;

    public static RouteGroupBuilder MapHostChains(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/hosts").WithTags("Advisory");
        group.MapGet("/{hostname}/chains", ListAsync)
            .RequireAuthorization(Policies.Read)
            .WithName("HostChains")
            .WithSummary("The live and planned chains recorded for a host, and who recorded or withdrew which chain when")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{hostname}/chains/live", PutLiveAsync)
            .RequireAuthorization(Policies.Admin)
            .WithName("RecordLiveChain")
            .WithSummary("Record the chain the host serves now (PEM body, as pre-flight); answers the pre-flight verdict")
            .WithDescription("Versions whose pins this chain fails are told update-required by GET /v1/advisory.")
            .Accepts<string>("application/x-pem-file", "application/pem-certificate-chain", "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPut("/{hostname}/chains/planned", PutPlannedAsync)
            .RequireAuthorization(Policies.Admin)
            .WithName("RecordPlannedChain")
            .WithSummary("Record the chain the host will serve from ?from=YYYY-MM-DD (today or later); answers the pre-flight verdict on that day")
            .WithDescription("Versions whose pins this chain fails are told update-recommended until the date, update-required from it.")
            .Accepts<string>("application/x-pem-file", "application/pem-certificate-chain", "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapDelete("/{hostname}/chains/planned", WithdrawAsync)
            .RequireAuthorization(Policies.Admin)
            .WithName("WithdrawPlannedChain")
            .WithSummary("Withdraw the host's planned chain (kept in the history)")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    internal sealed record PlanQuery([property: FromQuery(Name = "from")] string? From);

    internal static Task<Results<Ok<HostChainRecorded>, ProblemHttpResult>> PutLiveAsync(
        string hostname, HttpContext http, AdvisoryStore store, AdvisorySnapshot snapshot, PreflightService preflight,
        TimeProvider time, ILogger<AdvisorySnapshot> logger, CancellationToken ct)
    {
        List<ParameterError>? errors = http.Request.Query.ContainsKey("from")
            ? [new("from", "from applies to a planned chain only; a live chain is in effect now.")]
            : null;
        return RecordAsync(HostChain.Live, hostname, null, errors, http, store, snapshot, preflight, time, logger, ct);
    }

    internal static Task<Results<Ok<HostChainRecorded>, ProblemHttpResult>> PutPlannedAsync(
        string hostname, [AsParameters] PlanQuery parameters, HttpContext http, AdvisoryStore store, AdvisorySnapshot snapshot,
        PreflightService preflight, TimeProvider time, ILogger<AdvisorySnapshot> logger, CancellationToken ct)
    {
        _ = parameters;
        var errors = new List<ParameterError>();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        DateOnly? from = null;
        if (!http.Request.Query.TryGetValue("from", out var values) || values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
        {
            errors.Add(new("from", "from is required once: the first day (UTC) the host serves this chain, e.g. ?from=2027-01-15."));
        }
        else if (!DateOnly.TryParseExact(values[0]!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add(new("from", "from must be a date written YYYY-MM-DD."));
        }
        else if (date < today)
        {
            errors.Add(new("from", $"from ({date:yyyy-MM-dd}) is in the past (today is {today:yyyy-MM-dd} UTC): a chain already deployed is the live chain (PUT …/chains/live)."));
        }
        else if (date.DayNumber - today.DayNumber > MaxPlanDays)
        {
            errors.Add(new("from", $"from is more than {MaxPlanDays} days ahead."));
        }
        else
        {
            from = date;
        }
        return RecordAsync(HostChain.Planned, hostname, from, errors.Count > 0 ? errors : null, http, store, snapshot, preflight, time, logger, ct);
    }

    private static async Task<Results<Ok<HostChainRecorded>, ProblemHttpResult>> RecordAsync(
        string kind, string hostname, DateOnly? from, List<ParameterError>? queryErrors, HttpContext http, AdvisoryStore store, AdvisorySnapshot snapshot,
        PreflightService preflightService, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        if (ChainUpload.UnsupportedMediaType(http) is { } unsupported) return unsupported;
        var errors = queryErrors ?? [];
        var host = PinsEndpoints.HostParameter(hostname, "hostname", errors);
        if (errors.Count > 0 || host is null) return Problems.BadRequest("Invalid host or query", errors);

        var (parsed, pem, problem) = await ChainUpload.ReadAsync(http, ct);
        if (problem is not null) return problem;

        var now = time.GetUtcNow();
        var at = from is { } date && date > DateOnly.FromDateTime(now.UtcDateTime) ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : now;
        var preflight = await preflightService.EvaluateAsync(parsed!, host, at, now, useKeyHistory: false, ct);

        var by = http.User.Identity?.Name ?? "unknown";
        var chain = new HostChain(host, kind, from, pem!, parsed!.FingerprintHex, [.. preflight.Chain.Select(k => k.Pin)], by, now);
        await store.RecordAsync(chain, ct);
        await RefreshAsync(snapshot, logger, ct);
        return TypedResults.Ok(new HostChainRecorded(host, kind, from ?? DateOnly.FromDateTime(now.UtcDateTime), chain.Fingerprint, by, now, preflight));
    }

    internal static async Task<Results<Ok<HostChainsResponse>, ProblemHttpResult>> ListAsync(string hostname, AdvisoryStore store, CancellationToken ct)
    {
        var errors = new List<ParameterError>();
        var host = PinsEndpoints.HostParameter(hostname, "hostname", errors);
        if (host is null) return Problems.BadRequest("Invalid host", errors);

        var chains = await store.ChainsAsync(host, ct);
        var history = await store.HistoryAsync(host, HistoryEntries, ct);
        if (chains.Count == 0 && history.Count == 0)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No chain recorded", $"No chain was ever recorded for {host}.");
        }
        return TypedResults.Ok(new HostChainsResponse(host,
            chains.FirstOrDefault(c => c.Kind == HostChain.Live) is { } live ? View(live) : null,
            chains.FirstOrDefault(c => c.Kind == HostChain.Planned) is { } plan ? View(plan) : null,
            history));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> WithdrawAsync(
        string hostname, HttpContext http, AdvisoryStore store, AdvisorySnapshot snapshot, TimeProvider time, ILogger<AdvisorySnapshot> logger,
        CancellationToken ct)
    {
        var errors = new List<ParameterError>();
        var host = PinsEndpoints.HostParameter(hostname, "hostname", errors);
        if (host is null) return Problems.BadRequest("Invalid host", errors);

        if (!await store.WithdrawPlanAsync(host, http.User.Identity?.Name ?? "unknown", time.GetUtcNow(), ct))
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No planned chain", $"{host} has no planned chain.");
        }
        await RefreshAsync(snapshot, logger, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// This replica's advisory follows at once; the others within <c>Advisory:RefreshInterval</c>. The chain is committed
    /// by now, so a failed rebuild is logged, not answered as an error (the next periodic build picks it up).
    /// </summary>
    private static async Task RefreshAsync(AdvisorySnapshot snapshot, ILogger logger, CancellationToken ct)
    {
        try
        {
            await snapshot.RefreshAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogRefreshFailed(logger, e);
        }
    }

    private static HostChainView View(HostChain chain)
    {
        var parsed = ChainParser.Parse(ChainUpload.Blocks(chain.Pem));
        return new HostChainView(chain.EffectiveFrom ?? DateOnly.FromDateTime(chain.RecordedAt.UtcDateTime), chain.Fingerprint, chain.RecordedBy,
            chain.RecordedAt, chain.Keys,
            [.. parsed.Certificates.Select(c => new HostChainCertificate(c.Position, c.Subject, c.Issuer, c.NotAfter, c.SpkiSha256))], chain.Pem);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Advisory rebuild after a chain change failed; the next periodic rebuild retries")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
