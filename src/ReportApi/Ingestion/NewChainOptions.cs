using System.ComponentModel.DataAnnotations;

namespace ReportApi.Ingestion;

/// <summary>
/// Configuration section <c>Ingest:NewChains</c> (issue 21): the slow path of reports whose chain, pin set and host the
/// service has not diagnosed before. It runs beside known-chain ingest with a bounded concurrency and queue of its own;
/// a report that finds the queue full, or whose source network is over its budget, is still stored (204 after commit)
/// with its diagnosis deferred to a background pass.
/// </summary>
public sealed class NewChainOptions
{
    /// <summary>New chains analysed at once. 0 (default): half the processors, at least one, so known chains keep the rest.</summary>
    [Range(0, 256)]
    public int Concurrency { get; set; }

    /// <summary>New-chain reports that may wait for an analysis slot; beyond it their diagnosis is deferred.</summary>
    [Range(0, 100_000)]
    public int QueueCapacity { get; set; } = 256;

    /// <summary>
    /// Sustained new chains per second one source network (IPv4 /24, IPv6 /48) may have analysed at ingest; 0 turns the
    /// budget off. Independent of <c>RateLimit</c>: it meters the expensive kind of report, not requests.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PerSourcePerSecond { get; set; } = 50;

    /// <summary>New chains one source network may have analysed in a burst above the sustained rate.</summary>
    [Range(1, 10_000_000)]
    public int PerSourceBurst { get; set; } = 500;

    /// <summary>Deferred reports the background pass diagnoses per transaction.</summary>
    [Range(1, 10_000)]
    public int DeferredBatchSize { get; set; } = 200;

    /// <summary>How often the background pass looks for deferred reports when nothing wakes it (a deferral does).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeferredPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Math.Max(1, Environment.ProcessorCount / 2);
}
