using ReportApi.Domain.Diagnosis;

namespace ReportApi.Diagnosis;

/// <summary>
/// One host's key history as the diagnosis sees it. <see cref="Version"/> is the host's total key count (keys are only
/// ever added): verdicts are cached under it, so a new key for the host makes earlier verdicts for it unreachable.
/// </summary>
public sealed record HostKeys(long Version, IReadOnlyDictionary<string, SeenKey> Keys)
{
    public static HostKeys Empty { get; } = new(0, new Dictionary<string, SeenKey>(StringComparer.Ordinal));
}
