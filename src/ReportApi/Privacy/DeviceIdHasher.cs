using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ReportApi.Privacy;

/// <summary>
/// Turns the install identifier into a keyed HMAC-SHA256 (docs/decisions/0004-privacy-by-default.md): distinct-device counts still work,
/// and a leaked table does not reveal install ids, which are personal data.
/// </summary>
public sealed class DeviceIdHasher
{
    private readonly byte[] _key;

    public DeviceIdHasher(IOptions<PrivacyOptions> options, IHostEnvironment environment)
    {
        var key = options.Value.DeviceIdKey;
        if (string.IsNullOrEmpty(key))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "Privacy:DeviceIdKey is required outside the Development environment (environment variable " +
                    "Privacy__DeviceIdKey): it keys the HMAC that replaces app-vendor-id. Use at least 32 random bytes, " +
                    "e.g. `openssl rand -base64 32`.");
            }
            key = PrivacyOptions.DevelopmentKey;
        }
        _key = Encoding.UTF8.GetBytes(key);
    }

    public byte[]? Hash(string? vendorId)
    {
        if (string.IsNullOrEmpty(vendorId)) return null;
        // Vendor ids are UUIDs whose case differs by platform (iOS upper, Android lower): one device, one hash.
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(vendorId.Length)];
        var length = Encoding.UTF8.GetBytes(vendorId.ToUpperInvariant(), utf8);
        return HMACSHA256.HashData(_key, utf8[..length]);
    }
}
