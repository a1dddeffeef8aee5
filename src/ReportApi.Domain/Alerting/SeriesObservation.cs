using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Alerting;

/// <summary>
/// What the evaluator knows about one series at one evaluation: distinct devices failing in the trailing window, the
/// distinct-device counts of the comparable windows on previous days (empty for a series never seen before; a window in
/// which the series existed but nothing failed is a 0, not a missing sample), the version's active devices where
/// activity was posted, and the context the alert text is written from. <see cref="WindowNetworks"/> is the number of
/// distinct source networks (IPv4 /24, IPv6 /48; a report with a valid ingest key counts as its own) those devices
/// reported from; null when it was not measured.
/// </summary>
public sealed record SeriesObservation(
    SeriesKey Series,
    int WindowDevices,
    IReadOnlyList<int> BaselineSamples,
    int? ActiveDevices = null,
    IReadOnlyDictionary<DiagnosisCode, int>? DiagnosisMix = null,
    FailingChain? TopChain = null,
    IReadOnlyList<VersionDevices>? TopVersions = null,
    int? WindowNetworks = null)
{
    /// <summary>The diagnosis with the most devices in the window; ties go to the more actionable code (enum order).</summary>
    public DiagnosisCode? DominantDiagnosis =>
        DiagnosisMix is { Count: > 0 } mix
            ? mix.Where(e => e.Value > 0).OrderByDescending(e => e.Value).ThenBy(e => e.Key).Select(e => (DiagnosisCode?)e.Key).FirstOrDefault()
            : null;
}
