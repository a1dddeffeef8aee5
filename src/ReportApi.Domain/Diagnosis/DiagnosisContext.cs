namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// What the collector has observed before, supplied by the host (from stored chains and pin sets of the same app and
/// noted hostname). Everything is optional: without it the diagnosis still names the code, but cannot say which
/// pinned key a certificate replaced or which app versions survive the change.
/// </summary>
public sealed record DiagnosisContext
{
    /// <summary>Keys seen in earlier chains, by base64 SPKI SHA-256: tells what a pinned key used to belong to.</summary>
    public IReadOnlyDictionary<string, SeenKey> SeenKeys { get; init; } = new Dictionary<string, SeenKey>();

    /// <summary>For a base64 SPKI SHA-256, the app versions whose known pins include it (observed prevalence).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> VersionsPinningKey { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();
}
