using System.Security.Cryptography;
using System.Text;
using ReportApi.Domain.Reports;

namespace ReportApi.Ingestion;

/// <summary>The sorted known pins of a report, identified by a fingerprint so each configuration is stored once.</summary>
internal sealed record PinSet(byte[] Fingerprint, string[] Pins, string[] Sha256Pins, int MalformedCount)
{
    public static PinSet Of(IReadOnlyList<KnownPin> pins)
    {
        var raw = new string[pins.Count];
        var sha = new List<string>(pins.Count);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < pins.Count; i++)
        {
            raw[i] = pins[i].Raw;
            if (pins[i].Sha256 is { } digest) sha.Add(Convert.ToBase64String(digest));
            BitConverter.TryWriteBytes(length, raw[i].Length);
            hash.AppendData(length);
            hash.AppendData(Encoding.UTF8.GetBytes(raw[i]));
        }
        sha.Sort(StringComparer.Ordinal);
        return new PinSet(hash.GetHashAndReset(), raw, [.. sha], pins.Count - sha.Count);
    }
}
