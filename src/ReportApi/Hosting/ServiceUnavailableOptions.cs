namespace ReportApi.Hosting;

/// <summary>
/// What a 503 tells clients. Not a configuration section of its own: ingestion fills it from <c>Ingest:RetryAfterSeconds</c>
/// (the contract's key), so hosting needs no import of the ingest feature to answer like ingest does.
/// </summary>
public sealed class ServiceUnavailableOptions
{
    /// <summary>Seconds put in <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds { get; set; } = 30;
}
