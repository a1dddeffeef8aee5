namespace ReportApi.Domain.Reports;

/// <summary>
/// Bounds that keep a hostile body from burning CPU or memory. Real TrustKit reports carry 2-5 certificates and
/// 2-4 pins (reference §7.1 item 4); the defaults leave wide headroom.
/// </summary>
public sealed record ReportLimits
{
    public int MaxReportsPerRequest { get; init; } = 100;
    public int MaxCertificatesPerChain { get; init; } = 20;
    public int MaxPemChars { get; init; } = 16 * 1024;
    public int MaxKnownPins { get; init; } = 64;
    public int MaxPinChars { get; init; } = 256;
    public int MaxHostnameChars { get; init; } = 253;
    public int MaxStringChars { get; init; } = 256;
    public int MaxJsonDepth { get; init; } = 16;
    public int MaxUnknownKeys { get; init; } = 64;

    public static ReportLimits Default { get; } = new();
}
