namespace ReportApi.Security;

/// <summary>
/// Values that were ever published as examples: in <c>appsettings.Development.json</c>, the README and the demo
/// <c>deploy/.env</c> of earlier releases. Anyone can read them, so outside Development they are refused whatever
/// their strength. A test reads those files and fails if one of their secrets is missing here and not weak anyway.
/// </summary>
internal static class SampleSecrets
{
    public static readonly IReadOnlySet<string> Values = new HashSet<string>(StringComparer.Ordinal)
    {
        "demo-reader-key-0123456789",
        "demo-admin-key-0123456789",
        "pinreports-development-only-device-id-key",
        // The demo deploy/.env shipped up to this release (replaced by .env.example and scripts/generate-secrets.sh).
        "pinreports-demo-db-password",
        "pinreports-demo-device-id-key-change-me",
        "pinreports-demo-grafana-password",
        "pinreports-demo-admin",
    };
}
