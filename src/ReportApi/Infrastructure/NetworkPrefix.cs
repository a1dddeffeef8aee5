using System.Net;
using System.Net.Sockets;

namespace ReportApi.Infrastructure;

/// <summary>
/// The source network of a client address: IPv4 /24 or IPv6 /48 (one household, office or small provider block).
/// The one rule behind the per-source device cap, the new-chain budget and the network evidence of alerting.
/// </summary>
internal static class NetworkPrefix
{
    /// <summary>Writes the family (4 or 6) and the kept prefix bytes into <paramref name="prefix"/> (17 bytes); returns the length.</summary>
    public static int Write(IPAddress address, Span<byte> prefix)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var ipv4 = address.AddressFamily == AddressFamily.InterNetwork;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var keep = ipv4 ? 3 : 6;
        prefix[0] = ipv4 ? (byte)4 : (byte)6;
        bytes[..keep].CopyTo(prefix[1..]);
        return 1 + keep;
    }

    /// <summary>The prefix as text (<c>203.0.113.0/24</c>), a key for in-memory budgets; "unknown" without an address.</summary>
    public static string Text(IPAddress? address)
    {
        if (address is null) return "unknown";
        Span<byte> prefix = stackalloc byte[17];
        var length = Write(address, prefix);
        var bytes = new byte[prefix[0] == 4 ? 4 : 16];
        prefix[1..length].CopyTo(bytes);
        return $"{new IPAddress(bytes)}/{(length - 1) * 8}";
    }
}
