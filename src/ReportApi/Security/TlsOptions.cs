namespace ReportApi.Security;

/// <summary>
/// Configuration section <c>Tls</c>: the PEM certificate and key served on HTTPS endpoints that do not name their own
/// certificate. The files are re-read when they change, so a renewal (certbot, cert-manager) needs no restart.
/// </summary>
public sealed class TlsOptions
{
    public string? CertificatePath { get; set; }
    public string? KeyPath { get; set; }

    /// <summary>How often the files' timestamps are checked during handshakes.</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>HSTS max-age sent on query API responses over HTTPS.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}
