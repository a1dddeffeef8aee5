using System.Diagnostics.Metrics;
using ReportApi.Observability;

namespace ReportApi.Ingestion;

/// <summary>Instruments of the new-chain slow path (issue 21), on the service's one meter.</summary>
internal static class NewChainTelemetry
{
    private static readonly Counter<long> NewChains = ReportApiTelemetry.Meter.CreateCounter<long>("pinreports.ingest.new_chains", "{report}",
        "Reports that took the new-chain path, by outcome: analysed, or deferred because the slow-path queue was full (queue-full) or their source network was over its new-chain budget (source-budget).");
    private static readonly Counter<long> Filled = ReportApiTelemetry.Meter.CreateCounter<long>("pinreports.diagnosis.deferred.filled", "{report}",
        "Deferred diagnoses filled in by the background pass.");

    private static Func<int> _waiting = static () => 0;
    private static readonly ObservableGauge<int> Waiting = ReportApiTelemetry.Meter.CreateObservableGauge("pinreports.ingest.new_chains.waiting",
        static () => _waiting(), "{report}", "New-chain reports in the slow path (running or waiting for a slot).");

    public static void Analysed() => NewChains.Add(1, new KeyValuePair<string, object?>("outcome", "analysed"));

    public static void Deferred(string reason) => NewChains.Add(1, new KeyValuePair<string, object?>("outcome", reason));

    public static void FilledIn(int count) => Filled.Add(count);

    public static void ObserveWaiting(Func<int> waiting) => _waiting = waiting;

    /// <summary>Series at 0 from the first scrape, so rate() works before the first flood.</summary>
    public static void PublishZeroes()
    {
        foreach (var outcome in new[] { "analysed", "queue-full", "source-budget" })
        {
            NewChains.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
        Filled.Add(0);
    }
}
