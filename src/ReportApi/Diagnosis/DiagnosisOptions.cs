namespace ReportApi.Diagnosis;

/// <summary>Configuration section <c>Diagnosis</c>.</summary>
public sealed class DiagnosisOptions
{
    /// <summary><c>Diagnosis:TrustedRootsFile</c>: PEM bundle of the operator's own roots, trusted beside the OS store.</summary>
    public string? TrustedRootsFile { get; set; }

    /// <summary>Trust the OS certificate store as well (default). Tests and air-gapped setups may turn it off.</summary>
    public bool UseSystemTrustStore { get; set; } = true;

    /// <summary>
    /// <c>Diagnosis:ClientTimeMaxAge</c>: how far before the receive time a report's UTC <c>date-time</c> (TrustKit iOS,
    /// RFC 7469) may lie and still be the instant certificate validity is judged at; older, later than the receive time,
    /// or TrustKit-Android's local time: the receive time. <c>00:00:00</c> always uses the receive time. Default 7 days
    /// (iOS background uploads arrive days late); at most 30 days.
    /// </summary>
    public TimeSpan ClientTimeMaxAge { get; set; } = Domain.Diagnosis.DiagnosisContext.DefaultClientTimeMaxAge;

    /// <summary><c>Diagnosis:HistoryRefreshInterval</c>: how long a host's cached key history is served before it is re-read (other replicas' new keys show after this). Default 30 s.</summary>
    public TimeSpan HistoryRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Diagnosis:HistoryMaxKeysPerHost</c>: the most recently seen keys of a host the diagnosis reads (a CDN with a leaf per edge has thousands). Default 500.</summary>
    public int HistoryMaxKeysPerHost { get; set; } = 500;

    public bool IsValid(out string error)
    {
        error = ClientTimeMaxAge < TimeSpan.Zero || ClientTimeMaxAge > TimeSpan.FromDays(30)
            ? "Diagnosis:ClientTimeMaxAge must be between 00:00:00 and 30.00:00:00."
            : HistoryRefreshInterval <= TimeSpan.Zero || HistoryRefreshInterval > TimeSpan.FromHours(1)
                ? "Diagnosis:HistoryRefreshInterval must be over 0 and at most 01:00:00."
                : HistoryMaxKeysPerHost is < 10 or > 100_000
                    ? "Diagnosis:HistoryMaxKeysPerHost must be between 10 and 100000."
                    : "";
        return error.Length == 0;
    }
}
