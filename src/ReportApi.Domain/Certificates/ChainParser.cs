using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Certificates;

/// <summary>
/// Turns the PEM strings of a reported chain into <see cref="CertificateInfo"/> records. Each element is parsed on its
/// own: one broken element (placeholder PEM, garbage, truncation) never hides the others and never throws.
/// </summary>
public static class ChainParser
{
    public static ParsedChain Parse(IReadOnlyList<string> pems)
    {
        ArgumentNullException.ThrowIfNull(pems);

        var certificates = new CertificateInfo[pems.Count];
        using var fingerprint = Reports.LengthPrefixedSha256.CreateBigEndian();

        for (var i = 0; i < pems.Count; i++)
        {
            // The JSON parser should never hand us null, but a null must not take the whole report down.
            var raw = pems[i] ?? "";
            var info = ParseOne(raw, i);
            certificates[i] = info;

            // Parsed elements contribute their DER so CRLF (iOS) and LF (Android) encodings of one certificate
            // fingerprint the same; unparsable ones contribute their text so distinct garbage stays distinct.
            if (info.Der is { } der) fingerprint.Append(der);
            else fingerprint.AppendUtf8(raw);
        }

        return new ParsedChain(fingerprint.Finish(), certificates);
    }

    /// <summary>Parses one element; never throws for malformed input.</summary>
    public static CertificateInfo ParseOne(string raw, int position)
    {
        ArgumentNullException.ThrowIfNull(raw);
        byte[]? rented = null;
        try
        {
            // Decode the text to DER ourselves (cheap) and look the DER up first: OpenSSL's decoding of a certificate
            // costs far more than the base64 and the hash, and the issuers of never-seen leaves are seen again and again.
            var der = Decode(raw, out rented);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(der, digest);
            var key = BinaryPrimitives.ReadUInt128LittleEndian(digest);
            if (!CertificateCache.TryGet(key, out var cached))
            {
                var certificate = X509CertificateLoader.LoadCertificate(der);
                cached = CertificateInfoReader.Read(certificate, "", 0) with { Certificate = certificate };
                CertificateCache.Add(key, cached);
            }

            return cached with { Position = position, RawPem = raw };
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return new CertificateInfo { Position = position, RawPem = raw, ParseError = Describe(raw, e) };
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The DER of a PEM certificate (the first CERTIFICATE block, as X509Certificate2.CreateFromPem) or of bare base64.</summary>
    private static ReadOnlySpan<byte> Decode(string raw, out byte[]? rented)
    {
        rented = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new FormatException("empty certificate string");
        }

        ReadOnlySpan<char> base64;
        if (raw.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            // PemEncoding accepts CRLF or LF between base64 lines and an optional trailing newline, and rejects the
            // indented or truncated placeholder PEMs seen in RFC 7469 test fixtures (CreateFromPem uses it too).
            var text = raw.AsSpan();
            while (true)
            {
                if (!PemEncoding.TryFind(text, out var fields))
                {
                    throw new CryptographicException("no PEM CERTIFICATE block");
                }

                if (text[fields.Label].SequenceEqual("CERTIFICATE"))
                {
                    base64 = text[fields.Base64Data];
                    rented = ArrayPool<byte>.Shared.Rent(fields.DecodedDataLength);
                    if (!Convert.TryFromBase64Chars(base64, rented, out var written))
                    {
                        throw new CryptographicException("PEM CERTIFICATE block is not base64");
                    }

                    return rented.AsSpan(0, written);
                }

                text = text[fields.Location.End..];
            }
        }

        // Some custom clients send bare base64 DER. Convert ignores embedded whitespace, so wrapped base64 works too.
        return Convert.FromBase64String(raw);
    }

    private static string Describe(string raw, Exception e) => e switch
    {
        FormatException when string.IsNullOrWhiteSpace(raw) => "empty certificate string",
        FormatException => "not PEM and not base64 DER",
        _ when raw.Contains("-----BEGIN", StringComparison.Ordinal) => "PEM block does not contain a valid X.509 certificate",
        _ => "base64 does not decode to a valid X.509 certificate",
    };
}
