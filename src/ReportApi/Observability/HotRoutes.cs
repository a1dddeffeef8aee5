namespace ReportApi.Observability;

/// <summary>
/// A high-rate public route (ingest, the advisory): its server spans are sampled at
/// <c>Telemetry:IngestTraceSampleRatio</c> and its successful requests log at Debug. Path-based, because the tracing
/// filter and the request log ask before routing has chosen an endpoint. The feature serving the route registers it
/// (<see cref="ObservabilityExtensions.AddHotRoute"/>): observability imports no feature.
/// </summary>
public sealed record HotRoute(string Name, Func<HttpContext, bool> Matches);

/// <summary>A statement run so often that its batches are traced at the same ratio as the hot requests that cause them.</summary>
public sealed record HotStatement(string CommandText);

/// <summary>Every registered <see cref="HotRoute"/> and <see cref="HotStatement"/>, as arrays: asked on every request and batch.</summary>
public sealed class HotRoutes(IEnumerable<HotRoute> routes, IEnumerable<HotStatement> statements)
{
    private readonly Func<HttpContext, bool>[] _routes = [.. routes.Select(r => r.Matches)];
    private readonly string[] _statements = [.. statements.Select(s => s.CommandText)];

    public bool IsHot(HttpContext http)
    {
        foreach (var matches in _routes)
        {
            if (matches(http)) return true;
        }
        return false;
    }

    /// <summary>By reference: the hot statements are constants, and comparing their text would cost more than the batch's tracing.</summary>
    public bool IsHot(Npgsql.NpgsqlBatch batch)
    {
        foreach (var command in batch.BatchCommands)
        {
            foreach (var text in _statements)
            {
                if (ReferenceEquals(command.CommandText, text)) return true;
            }
        }
        return false;
    }
}
