using ReportApi.Domain.Alerting;

namespace ReportApi.Alerting;

/// <summary>
/// Where the host binds the domain's <see cref="DetectorOptions"/> from: the <c>Alerting</c> section, one key per
/// property. The domain validates and names a problem by what this says (<c>Alerting:MinDevices must be &gt;= 1</c>), so
/// start-up errors and backtest answers name the key an operator sets.
/// </summary>
internal static class DetectorConfiguration
{
    public const string SectionName = "Alerting";

    public static string Key(string property) => $"{SectionName}:{property}";

    /// <summary>Every problem of <paramref name="options"/>, each naming its configuration key.</summary>
    public static IReadOnlyList<string> Problems(DetectorOptions options) => options.Validate(Key);
}
