using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Diagnosis;
using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Tests.Diagnosis;

/// <summary>Builds <see cref="PinFailureReport"/>s the way each dialect carries a chain, and diagnoses them.</summary>
internal static class Reports
{
    public static readonly ReportDialect[] Dialects = [ReportDialect.TrustKitIos, ReportDialect.TrustKitAndroid, ReportDialect.Rfc7469];

    public static KnownPin Pin(X509Certificate2 certificate) => Pin(TestPki.SpkiPin(certificate));

    public static KnownPin Pin(string base64) =>
        new($"pin-sha256=\"{base64}\"", "pin-sha256", base64, Convert.FromBase64String(base64));

    /// <summary>A well-formed pin of a key that appears nowhere (an unused backup).</summary>
    public static KnownPin UnrelatedPin(string seed) => Pin(Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed))));

    /// <summary>
    /// <paramref name="chain"/> is what the client validated, leaf first, ending at the root the device trusted. iOS
    /// sends it with CRLF PEMs and no served chain; Android sends LF PEMs plus the served chain (default: without the
    /// root, as servers send it); RFC 7469 reporters send both chains.
    /// </summary>
    public static PinFailureReport For(
        ReportDialect dialect, X509Certificate2[] chain, IReadOnlyList<KnownPin> pins, int? validationResult = 1,
        X509Certificate2[]? served = null, string host = ScenarioPki.Host, string? trustKitVersion = "default",
        string? vendorId = "5B1B1B8C-3C0F-4F6E-9E1A-2A4B7C9D0E11", string appVersion = "2.9")
    {
        served ??= chain.Length > 1 && chain[^1].SubjectName.Name == chain[^1].IssuerName.Name ? chain[..^1] : chain;
        var ios = dialect == ReportDialect.TrustKitIos;
        var android = dialect == ReportDialect.TrustKitAndroid;
        var rfc = dialect == ReportDialect.Rfc7469;
        Func<System.Security.Cryptography.X509Certificates.X509Certificate2, string> pem = ios ? TestPki.IosPem : TestPki.AndroidPem;
        return new PinFailureReport
        {
            Dialect = dialect,
            Hostname = host,
            NotedHostname = "example.com",
            ValidationResult = rfc ? null : validationResult,
            AppBundleId = rfc ? null : "com.example.shop",
            AppVersion = rfc ? null : appVersion,
            AppPlatform = ios ? "IOS" : android ? "ANDROID" : null,
            AppVendorId = rfc ? null : vendorId,
            TrustKitVersion = rfc ? null : trustKitVersion == "default" ? (ios ? "3.0.0" : "1.1.5") : trustKitVersion,
            ClientTimeQuality = ClientTimeQuality.Missing,
            ValidatedChain = [.. chain.Select(pem)],
            ServedChain = ios ? null : [.. served.Select(TestPki.AndroidPem)],
            KnownPins = [.. pins.OrderBy(p => p.Raw, StringComparer.Ordinal)],
            RawJson = "{}",
        };
    }

    public static ReportApi.Domain.Diagnosis.Diagnosis Diagnose(
        PinFailureReport report, DiagnosisContext? context = null, TrustAnchors? anchors = null, DateTimeOffset? receivedAt = null)
    {
        var validated = ChainParser.Parse(report.ValidatedChain);
        var served = report.ServedChain is null ? null : ChainParser.Parse(report.ServedChain);
        return Diagnoser.Diagnose(report, validated, served, anchors ?? ScenarioPki.Anchors, receivedAt ?? TestPki.Now, context);
    }
}
