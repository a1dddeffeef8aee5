using System.Buffers.Binary;
using System.Buffers.Text;

namespace ReportApi.Query;

/// <summary>
/// Keyset position of the last item of a page: (received_at, id) in descending order. Opaque to clients
/// (base64url of 8 bytes of ticks + 16 bytes of id), so the ordering can change without breaking links.
/// </summary>
internal readonly record struct ReportCursor(DateTimeOffset ReceivedAt, Guid Id)
{
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ReceivedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string value, out ReportCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[24];
        if (value.Length != 32 || !Base64Url.TryDecodeFromChars(value, bytes, out var written) || written != 24) return false;
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
        cursor = new ReportCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..], bigEndian: true));
        return true;
    }
}
