using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace ReportApi.Infrastructure;

/// <summary>
/// A request body read into a pooled buffer, stopping as soon as it passes the cap. The cap is enforced on the
/// bytes actually read, so chunked bodies without Content-Length (TrustKit-Android) are bounded too.
/// </summary>
internal sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    private RequestBody(byte[]? buffer, int length, bool tooLarge)
    {
        _buffer = buffer;
        Length = length;
        TooLarge = tooLarge;
    }

    public int Length { get; }
    public bool TooLarge { get; }
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public static async Task<RequestBody> ReadAsync(HttpContext http, int maxBytes, CancellationToken ct)
    {
        var request = http.Request;
        if (request.ContentLength > maxBytes) return new RequestBody(null, 0, tooLarge: true);

        // Let Kestrel stop the transfer too: it then refuses to read past the cap instead of buffering.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, maxBytes) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) return Reject(buffer);
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) return Reject(buffer);
            }
            return new RequestBody(buffer, length, tooLarge: false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Reject(buffer);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static RequestBody Reject(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return new RequestBody(null, 0, tooLarge: true);
    }

    public void Dispose()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
