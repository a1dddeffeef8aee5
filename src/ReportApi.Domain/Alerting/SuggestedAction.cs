using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Alerting;

/// <summary>The first thing to do, by the dominant diagnosis: an on-call engineer woken at 3 a.m. reads this line.</summary>
public static class SuggestedAction
{
    public static string For(DiagnosisCode? cause) => cause switch
    {
        DiagnosisCode.ServerRotation =>
            "Our chain changed under the pins: ship an app release with the backup pin, or roll the server back to the pinned chain.",
        DiagnosisCode.InterceptionSuspected =>
            "A proxy or inspection box presents its own certificate: check corporate proxies and networks of the affected users; no server action.",
        DiagnosisCode.CertificateInvalid =>
            "The server's chain is broken: renew the certificate or fix the served chain (missing intermediate, wrong hostname).",
        DiagnosisCode.ClientConfigError =>
            "The app's pin configuration is broken: fix the pins in the app and ship a release; the server is not at fault.",
        _ => "The cause is not clear from the reports: inspect recent reports of this series (GET /v1/reports) and their chains.",
    };
}
