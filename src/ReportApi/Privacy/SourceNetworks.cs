using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ReportApi.Infrastructure;

namespace ReportApi.Privacy;

/// <summary>
/// The source network of a report as alerting counts it (issue #22): the client address after ForwardedHeaders cut to
/// its IPv4 /24 or IPv6 /48, then a keyed HMAC of that prefix truncated to 8 bytes. Only the hash is kept, in memory and
/// in <c>failure_networks_minute</c>; never the address (docs/decisions/0004-privacy-by-default.md). The key is derived from
/// <c>Privacy:DeviceIdKey</c>, so a leaked table cannot be reversed by hashing the 2²⁴ IPv4 prefixes. A report that came
/// with a valid ingest key is its own evidence: its "network" is derived from its device, so each keyed device counts.
/// </summary>
internal sealed class SourceNetworks
{
    private readonly byte[] _key;

    public SourceNetworks(IOptions<PrivacyOptions> options, IHostEnvironment environment)
    {
        var secret = options.Value.DeviceIdKey;
        if (string.IsNullOrEmpty(secret) && environment.IsDevelopment()) secret = PrivacyOptions.DevelopmentKey;
        // DeviceIdHasher refuses a missing key outside Development at start-up; this only needs a value to derive from.
        _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? ""), "pinreports/source-network/v1"u8);
    }

    /// <summary>The network id of an unauthenticated report from <paramref name="client"/>; null when the address is unknown.</summary>
    public long? Of(IPAddress? client)
    {
        if (client is null) return null;
        Span<byte> prefix = stackalloc byte[17];
        return Truncate(prefix[..NetworkPrefix.Write(client, prefix)]);
    }

    /// <summary>The network id of a report vouched for by its app's ingest key: one per device.</summary>
    public long Keyed(byte[]? deviceHash, Guid reportId)
    {
        Span<byte> input = stackalloc byte[33];
        input[0] = (byte)'k';
        // A keyed report without a vendor id still counts once: its own id stands in for the device.
        if (deviceHash is not null) deviceHash.AsSpan(0, 32).CopyTo(input[1..]);
        else reportId.TryWriteBytes(input[1..]);
        return Truncate(input);
    }

    private long Truncate(ReadOnlySpan<byte> input)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, mac);
        return BinaryPrimitives.ReadInt64BigEndian(mac);
    }
}
