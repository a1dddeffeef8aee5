namespace ReportApi.Diagnosis;

/// <summary>Configuration section <c>Diagnosis</c>.</summary>
public sealed class DiagnosisOptions
{
    /// <summary><c>Diagnosis:TrustedRootsFile</c>: PEM bundle of the operator's own roots, trusted beside the OS store.</summary>
    public string? TrustedRootsFile { get; set; }

    /// <summary>Trust the OS certificate store as well (default). Tests and air-gapped setups may turn it off.</summary>
    public bool UseSystemTrustStore { get; set; } = true;
}
