using System.Net;

namespace PinReports.Tools;

/// <summary>
/// A body of unknown length, so <see cref="System.Net.Http.SocketsHttpHandler"/> sends it with
/// <c>Transfer-Encoding: chunked</c> and no <c>Content-Length</c>, the way TrustKit-Android's HttpURLConnection does
/// (<c>setChunkedStreamingMode(0)</c>, §3.5). Written in several pieces, so the server sees several chunks.
/// The buffer belongs to the worker and is reused after the response arrives; the content does not copy it.
/// </summary>
public sealed class ChunkedBodyContent(byte[] buffer, int length) : HttpContent
{
    private const int PieceBytes = 2048;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < length; offset += PieceBytes)
        {
            await stream.WriteAsync(buffer.AsMemory(offset, Math.Min(PieceBytes, length - offset)), cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
