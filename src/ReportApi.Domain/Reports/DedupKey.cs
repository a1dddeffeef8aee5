using System.Security.Cryptography;
using System.Text;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>
/// Design decision 5: device, hostnames, sorted pins, validation result, chain fingerprint and the raw client
/// date-time identify one failure event; clients resend it after restarts and once per report URI.
/// </summary>
internal static class DedupKey
{
    public static byte[] Compute(PinFailureReport report, byte[]? deviceHash, byte[] pinSetFingerprint, byte[] chainFingerprint)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, deviceHash ?? []);
        Append(hash, Encoding.UTF8.GetBytes(report.Hostname));
        Append(hash, Encoding.UTF8.GetBytes(report.NotedHostname));
        Append(hash, pinSetFingerprint);
        Append(hash, BitConverter.GetBytes(report.ValidationResult ?? -1));
        Append(hash, chainFingerprint);
        Append(hash, Encoding.UTF8.GetBytes(report.DateTimeRaw ?? "\0"));
        return hash.GetHashAndReset();
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }
}
