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
    public int QueueCapacity { get; set; } = 10_000;

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

    /// <summary>
    /// Maps <c>POST /bench/null</c>, which reads the body like ingest and answers 204 without parsing or storing: the
    /// HTTP ceiling of this host for the load benchmark. Off by default; never enable it on a public listener.
    /// </summary>
    public bool BenchmarkNullEndpoint { get; set; }

    /// <summary>
    /// <c>Ingest:AppKeys</c>: optional per-app ingest keys. TrustKit iOS cannot send headers, so the key travels in the
    /// report URL (<c>?key=</c>); TrustKit-Android also turns URL user-info into Basic auth. A report whose app's key
    /// came with it is stored as authenticated and counts as independent evidence for alerting; a wrong key is refused
    /// (401), and so is a report for an app that has a key but came without it (issue #22: else anyone could forge it).
    /// </summary>
    public List<AppIngestKey> AppKeys { get; set; } = [];

    /// <summary>
    /// Distinct devices one source network (IPv4 /24, IPv6 /48) may add to one series (app, version, noted hostname)
    /// per 5-minute window from unauthenticated reports. Beyond it reports are stored but their devices do not count
    /// towards alerting, so forged reports from one network cannot page anyone alone: the default stays below the
    /// detector's floors. Authenticated reports (<c>AppKeys</c>) are exempt. 0 (the default) turns the cap off:
    /// behind a proxy missing from <c>Network:TrustedProxies</c> every report would share one source and the cap would
    /// silence real incidents, which is worse than a forged page. Turn it on (e.g. 10) once client addresses are right.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxDevicesPerSourcePerSeries { get; set; }

    /// <summary>
    /// <c>Ingest:MaxNewSeriesPerAppPerHour</c>: new failure series (app, version, platform, host, diagnosis, enforce) one app
    /// may create per hour. Beyond it a new series' reports are stored and counted under the app's overflow series
    /// (version '(other)'), which alerting ignores: junk versions cannot grow the evaluator's work without bound. A real
    /// release adds a few dozen series at most.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxNewSeriesPerAppPerHour { get; set; } = 200;

    /// <summary><c>Ingest:MaxNewSeriesPerHostPerHour</c>: the same per noted hostname.</summary>
    [Range(1, 1_000_000)]
    public int MaxNewSeriesPerHostPerHour { get; set; } = 200;

    /// <summary><c>Ingest:MaxNewSeriesPerHour</c>: the same for all apps and hosts together (random app ids); beyond it, app '(other)' too.</summary>
    [Range(1, 10_000_000)]
    public int MaxNewSeriesPerHour { get; set; } = 2_000;

    /// <summary>Seconds put in <c>Retry-After</c> on 503.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 30;
}

/// <summary>One app's ingest key.</summary>
public sealed class AppIngestKey
{
    /// <summary>The <c>app-bundle-id</c> the key vouches for.</summary>
    [Required] public string App { get; set; } = "";

    [Required, MinLength(16)] public string Key { get; set; } = "";
}
