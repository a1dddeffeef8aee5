using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReportApi.Tests.Infrastructure;

public static class HttpExtensions
{
    public static Task<HttpResponseMessage> PostReportAsync(this HttpClient client, JsonNode body, CancellationToken ct = default) =>
        client.PostReportAsync(body.ToJsonString(), ct);

    public static Task<HttpResponseMessage> PostReportAsync(this HttpClient client, string body, CancellationToken ct = default) =>
        client.PostAsync("/v1/reports", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")), ct);

    /// <summary>Sends the body with Transfer-Encoding: chunked and no Content-Length, as TrustKit-Android does.</summary>
    public static Task<HttpResponseMessage> PostChunkedAsync(this HttpClient client, byte[] body, string contentType = "application/json", CancellationToken ct = default)
    {
        var content = new ChunkedContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reports") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return client.SendAsync(request, ct);
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    public static IReadOnlyList<string> Pointers(this JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("pointer").GetString()!)];

    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            // Several writes, so the server really sees several chunks.
            for (var offset = 0; offset < body.Length; offset += 4096)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
