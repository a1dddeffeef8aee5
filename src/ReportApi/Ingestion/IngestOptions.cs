using System.ComponentModel.DataAnnotations;

namespace ReportApi.Ingestion;

/// <summary>Configuration section <c>Ingest</c>.</summary>
public sealed class IngestOptions
{
    /// <summary><c>Ingest:MaxRequestBytes</c> (contract): body cap, enforced while streaming.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 262_144;

    /// <summary>Reports waiting for a commit before new requests get 503: bounds memory during an incident.</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>Largest number of reports written in one transaction.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 2_000;

    /// <summary>
    /// Concurrent group-commit loops, each with its own transaction. More than one lets Postgres use more than one
    /// core; rollup upserts are ordered so concurrent loops lock rows in the same order.
    /// </summary>
    [Range(1, 16)]
    public int Writers { get; set; } = 2;

    /// <summary>How long a request waits for its commit before answering 503 (the report may still be stored; dedup absorbs the resend).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Seconds put in <c>Retry-After</c> on 503.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 30;
}
