namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// What the collector has observed before, supplied by the host (the noted hostname's key history, issue 13, and the
/// pin sets of the same app). Everything is optional: without it the diagnosis still names the code, but cannot say which
/// pinned key a certificate replaced or which app versions survive the change.
/// </summary>
public sealed record DiagnosisContext
{
    /// <summary>
    /// Keys seen in earlier chains of the host that built to a trusted root, by base64 SPKI SHA-256: tells what a pinned
    /// key used to belong to, and which intermediate a leaf-only chain omits.
    /// </summary>
    public IReadOnlyDictionary<string, SeenKey> SeenKeys { get; init; } = new Dictionary<string, SeenKey>();

    /// <summary>For a base64 SPKI SHA-256, the app versions whose known pins include it (observed prevalence).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> VersionsPinningKey { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// How far before the receive time a trusted (UTC) device time may lie and still be the instant validity is judged
    /// at (<see cref="ValidityTime"/>); <see cref="TimeSpan.Zero"/> judges at the receive time always.
    /// </summary>
    public TimeSpan ClientTimeMaxAge { get; init; } = DefaultClientTimeMaxAge;

    /// <summary>Seven days: iOS background uploads arrive days late; a clock off by more is not trusted.</summary>
    public static readonly TimeSpan DefaultClientTimeMaxAge = TimeSpan.FromDays(7);
}
