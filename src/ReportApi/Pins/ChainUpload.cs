using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using ReportApi.Domain.Certificates;
using ReportApi.Hosting;
using ReportApi.Infrastructure;

namespace ReportApi.Pins;

/// <summary>
/// A PEM chain in a request body, as every endpoint that takes one reads it (the pre-flight, the host chains, the
/// console's pre-flight page): the media types, the size and count caps, and the parsing.
/// </summary>
internal static partial class ChainUpload
{
    /// <summary>A chain is a few KiB; the cap only keeps a wrong upload from being buffered.</summary>
    public const int MaxChainBytes = 256 * 1024;

    private const int MaxCertificates = 20;

    private static readonly string[] PemMediaTypes = ["application/x-pem-file", "application/pem-certificate-chain", "text/plain"];

    /// <summary>415 unless the body is declared as a PEM chain.</summary>
    public static ProblemHttpResult? UnsupportedMediaType(HttpContext http) =>
        MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var media)
        && PemMediaTypes.Contains(media.MediaType.Value, StringComparer.OrdinalIgnoreCase)
            ? null
            : Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the PEM chain as application/x-pem-file (or application/pem-certificate-chain, text/plain).");

    /// <summary>
    /// The body's PEM chain, capped at <see cref="MaxChainBytes"/> and <see cref="MaxCertificates"/>, with at least one
    /// parsable certificate, and its certificate blocks alone (the text around them dropped); else a 4xx problem.
    /// </summary>
    public static async Task<(ParsedChain? Chain, string? Pem, ProblemHttpResult? Problem)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        string text;
        using (var body = await RequestBody.ReadAsync(http, MaxChainBytes, ct))
        {
            if (body.TooLarge)
            {
                return (null, null, Problems.Status(StatusCodes.Status413PayloadTooLarge, "Chain too large", $"A PEM chain is at most {MaxChainBytes} bytes."));
            }
            text = Encoding.UTF8.GetString(body.Span);
        }

        var pems = Blocks(text);
        if (pems.Length == 0) return (null, null, Problems.BadRequest("No PEM certificate", "body", "The body holds no -----BEGIN CERTIFICATE----- block."));
        if (pems.Length > MaxCertificates) return (null, null, Problems.BadRequest("Too many certificates", "body", $"A chain has at most {MaxCertificates} certificates."));
        var parsed = ChainParser.Parse(pems);
        if (!parsed.Certificates.Any(c => c.Parsed))
        {
            return (null, null, Problems.BadRequest("No parsable certificate",
                [.. parsed.Certificates.Select(c => new ParameterError("body", $"Certificate {c.Position}: {c.ParseError}."))]));
        }
        return (parsed, string.Join("\n", pems) + "\n", null);
    }

    /// <summary>The certificate blocks of a PEM text, in order.</summary>
    public static string[] Blocks(string pem) => [.. PemBlock().Matches(pem).Select(m => m.Value)];

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[\\s\\S]*?-----END CERTIFICATE-----", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PemBlock();
}
