namespace ReportApi.Domain.Reports;

/// <summary>
/// docs/decisions/0005-duplicates-are-expected.md: device, hostnames, sorted pins, validation result, chain fingerprint and the raw client
/// date-time identify one failure event; clients resend it after restarts and once per report URI.
/// </summary>
public static class DedupKey
{
    public static byte[] Compute(PinFailureReport report, byte[]? deviceHash, byte[] pinSetFingerprint, byte[] chainFingerprint)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var hash = LengthPrefixedSha256.Create();
        hash.Append(deviceHash);
        hash.AppendUtf8(report.Hostname);
        hash.AppendUtf8(report.NotedHostname);
        hash.Append(pinSetFingerprint);
        hash.AppendInt32(report.ValidationResult ?? -1);
        hash.Append(chainFingerprint);
        // A NUL stands for "no date-time", so a missing one and an empty one stay distinct events.
        hash.AppendUtf8(report.DateTimeRaw ?? "\0");
        return hash.Finish();
    }
}
