namespace ReportApi.Domain.Diagnosis;

/// <summary>One diagnosis per report; the wire strings are fixed by spec/api-contract.md.</summary>
public enum DiagnosisCode
{
    /// <summary>Our side changed: the server presents a trusted, valid chain with no pinned key.</summary>
    ServerRotation,

    /// <summary>Someone in the path presents their own certificate: debugging proxy, corporate inspection, attack.</summary>
    InterceptionSuspected,

    /// <summary>The server's own chain is broken: expired, not yet valid, wrong hostname, incomplete.</summary>
    CertificateInvalid,

    /// <summary>The app's pin configuration or TrustKit integration is broken.</summary>
    ClientConfigError,

    /// <summary>Not enough evidence, or evidence that contradicts the reported failure.</summary>
    Unknown,
}

public static class DiagnosisCodeNames
{
    public static string ToWire(this DiagnosisCode code) => code switch
    {
        DiagnosisCode.ServerRotation => "server-rotation",
        DiagnosisCode.InterceptionSuspected => "interception-suspected",
        DiagnosisCode.CertificateInvalid => "certificate-invalid",
        DiagnosisCode.ClientConfigError => "client-config-error",
        _ => "unknown",
    };
}
