using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PinReports.LoadTest;

internal sealed record LatencyFigures(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencyFigures From(LatencyHistogram h) =>
        new(h.Count, h.PercentileMs(0.50), h.PercentileMs(0.90), h.PercentileMs(0.99), h.MaxMs, Math.Round(h.MeanMs, 3));
}

internal sealed record ResourceFigures(
    int? ServicePid,
    double? ServicePeakRssMiB,
    double? ServiceRssAtEndMiB,
    double? ServiceCpuCoresDuringWindow,
    double GeneratorCpuCoresDuringWindow,
    double MachineCpuBusyDuringWindow,
    int MachineCores,
    string LoadAverageAtStart,
    string LoadAverageAtEnd);

/// <summary>Everything the run measured; printed as the summary and written by <c>--json</c>.</summary>
internal sealed record LoadTestReport(
    string RunId,
    string Url,
    string Mode,
    double? TargetReportsPerSecond,
    int Concurrency,
    int ArraySize,
    bool AndroidChunked,
    int Devices,
    int IosDevices,
    int Chains,
    IReadOnlyList<string> Hostnames,
    int ReportBytesMin,
    int ReportBytesMax,
    double WarmupSeconds,
    double MeasuredSeconds,
    long ReportsAcknowledgedInWindow,
    double ReportsPerSecond,
    long RequestsSentTotal,
    LatencyFigures Latency204,
    LatencyFigures? LatencyFromSchedule,
    long? LateStarts,
    double? MaxScheduleLagMs,
    bool? OpenLoopKeptUp,
    SortedDictionary<string, long> StatusCountsInWindow,
    SortedDictionary<string, long> StatusCountsTotal,
    SortedDictionary<string, long> TransportErrorsInWindow,
    SortedDictionary<string, long> TransportErrorsTotal,
    IReadOnlyDictionary<int, string> FirstProblemBodies,
    long ReportsAcknowledgedTotal,
    ResourceFigures Resources,
    VerificationResult? Verification)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToText()
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine("==================== PinReports ingest load test ====================");
        s.AppendLine(inv, $"run id          {RunId}   url {Url}");
        s.AppendLine(inv, $"mode            {Mode}, concurrency {Concurrency}, array-size {ArraySize}, android chunked {AndroidChunked}");
        s.AppendLine(inv, $"fleet           {Devices} devices ({IosDevices} iOS / {Devices - IosDevices} Android), {Chains} chains, report {ReportBytesMin}-{ReportBytesMax} bytes");
        s.AppendLine(inv, $"window          warm-up {WarmupSeconds:0.#} s, measured {MeasuredSeconds:0.##} s");
        s.AppendLine(inv, $"throughput      {ReportsPerSecond:0.0} reports/s acknowledged (204) in the window ({ReportsAcknowledgedInWindow} reports)");
        s.AppendLine(inv, $"latency (204)   p50 {Latency204.P50Ms:0.0} ms   p90 {Latency204.P90Ms:0.0} ms   p99 {Latency204.P99Ms:0.0} ms   max {Latency204.MaxMs:0.0} ms   mean {Latency204.MeanMs:0.0} ms");
        if (LatencyFromSchedule is { } sched)
        {
            s.AppendLine(inv, $"from schedule   p50 {sched.P50Ms:0.0} ms   p90 {sched.P90Ms:0.0} ms   p99 {sched.P99Ms:0.0} ms   max {sched.MaxMs:0.0} ms   (open loop, includes waiting for a worker)");
            s.AppendLine(inv, $"open loop       target {TargetReportsPerSecond:0.#} reports/s; {LateStarts} requests started >10 ms late, max lag {MaxScheduleLagMs:0.0} ms");
            if (OpenLoopKeptUp != true)
                s.AppendLine("                ** COULD NOT KEEP UP: fewer reports/s than the target, or requests started >1 s behind schedule (server or this box too slow, or too few workers) **");
        }

        s.AppendLine(inv, $"status (window) {Format(StatusCountsInWindow)}");
        s.AppendLine(inv, $"status (all)    {Format(StatusCountsTotal)}   (includes warm-up and requests in flight at the end)");
        s.AppendLine(inv, $"transport errs  window: {Format(TransportErrorsInWindow)}   all: {Format(TransportErrorsTotal)}");
        foreach (var (status, body) in FirstProblemBodies.OrderBy(p => p.Key))
            s.AppendLine(inv, $"  first {status} body: {body.ReplaceLineEndings(" ")}");

        var r = Resources;
        if (r.ServicePid is not null)
        {
            s.AppendLine(inv, $"service         pid {r.ServicePid}, peak RSS {r.ServicePeakRssMiB:0.0} MiB (VmRSS every 250 ms), RSS at end {r.ServiceRssAtEndMiB:0.0} MiB, CPU {r.ServiceCpuCoresDuringWindow:0.00} cores in the window");
        }

        s.AppendLine(inv, $"machine         {r.MachineCores} cores, {r.MachineCpuBusyDuringWindow:P0} busy in the window; this generator used {r.GeneratorCpuCoresDuringWindow:0.00} cores; load avg start [{r.LoadAverageAtStart}] end [{r.LoadAverageAtEnd}]");
        if (Verification is { } v)
        {
            s.AppendLine(inv, $"verification    acknowledged={v.Acknowledged} stored={v.Stored} missing={v.Missing}");
            if (v.StoredWithoutAcknowledgement > 0 || v.DuplicateRows > 0 || v.UnrecognisedRows > 0)
            {
                s.AppendLine(inv, $"                stored without a 204: {v.StoredWithoutAcknowledgement} (of them from failed/timed-out requests: {v.StoredFromFailedRequests}), duplicate rows: {v.DuplicateRows}, unrecognised rows: {v.UnrecognisedRows}");
            }

            foreach (var example in v.MissingExamples) s.AppendLine(inv, $"  missing: {example}");
            s.AppendLine(v.Missing == 0 ? "                OK: every 204 has its row" : "                FAIL: acknowledged reports are not in the database");
        }
        else
        {
            s.AppendLine("verification    skipped (no --verify-connection-string)");
        }

        s.Append("=====================================================================");
        return s.ToString();
    }

    private static string Format(SortedDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join("  ", counts.Select(p => $"{p.Key}={p.Value}"));
}
