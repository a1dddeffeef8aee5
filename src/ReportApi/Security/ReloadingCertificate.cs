using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Security;

/// <summary>
/// The server certificate from PEM files, reloaded when either file's timestamp changes. Handshakes call
/// <see cref="Current"/>; at most one of them per check interval looks at the file system, and a half-written
/// renewal (certificate and key not matching yet) keeps the previous certificate until the pair is complete.
/// </summary>
internal sealed class ReloadingCertificate
{
    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly TimeSpan _checkInterval;
    private readonly TimeProvider _time;
    private ILogger _logger;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private (DateTime Certificate, DateTime Key) _stamps;
    private long _nextCheck;

    public ReloadingCertificate(TlsOptions options, TimeProvider time, ILogger logger)
    {
        _certificatePath = options.CertificatePath!;
        _keyPath = options.KeyPath!;
        _checkInterval = options.ReloadCheckInterval;
        _time = time;
        _logger = logger;
        _stamps = Stamps();
        // A broken certificate at start-up must stop the service with the reason, not serve nothing.
        _current = Load();
        _nextCheck = _time.GetTimestamp() + Ticks(_checkInterval);
    }

    /// <summary>The certificate is loaded before the host (and its logging) exists; the host attaches its logger once built.</summary>
    public void AttachLogger(ILogger logger) => _logger = logger;

    public X509Certificate2 Current
    {
        get
        {
            var now = _time.GetTimestamp();
            if (now < Volatile.Read(ref _nextCheck)) return _current;
            lock (_gate)
            {
                if (now < _nextCheck) return _current;
                _nextCheck = now + Ticks(_checkInterval);
                var stamps = Stamps();
                if (stamps == _stamps) return _current;
                try
                {
                    var renewed = Load();
                    _current = renewed;
                    _stamps = stamps;
                    _logger.LogInformation("TLS certificate reloaded: {Subject}, valid until {NotAfter:O}, thumbprint {Thumbprint}",
                        renewed.Subject, renewed.NotAfter.ToUniversalTime(), renewed.Thumbprint);
                }
                catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    _logger.LogWarning(e, "TLS certificate files changed but do not load yet; keeping the current certificate");
                }
                return _current;
            }
        }
    }

    private X509Certificate2 Load()
    {
        using var pem = X509Certificate2.CreateFromPemFile(_certificatePath, _keyPath);
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private (DateTime, DateTime) Stamps() => (File.GetLastWriteTimeUtc(_certificatePath), File.GetLastWriteTimeUtc(_keyPath));

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
