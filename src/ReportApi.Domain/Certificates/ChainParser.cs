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
        using var fingerprint = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> lengthPrefix = stackalloc byte[4];

        for (var i = 0; i < pems.Count; i++)
        {
            // The JSON parser should never hand us null, but a null must not take the whole report down.
            var raw = pems[i] ?? "";
            var info = ParseOne(raw, i);
            certificates[i] = info;

            // Parsed elements contribute their DER so CRLF (iOS) and LF (Android) encodings of one certificate
            // fingerprint the same; unparsable ones contribute their text so distinct garbage stays distinct.
            var content = info.Der ?? System.Text.Encoding.UTF8.GetBytes(raw);
            BinaryPrimitives.WriteInt32BigEndian(lengthPrefix, content.Length);
            fingerprint.AppendData(lengthPrefix);
            fingerprint.AppendData(content);
        }

        return new ParsedChain(fingerprint.GetHashAndReset(), certificates);
    }

    /// <summary>Parses one element; never throws for malformed input.</summary>
    public static CertificateInfo ParseOne(string raw, int position)
    {
        ArgumentNullException.ThrowIfNull(raw);
        try
        {
            using var certificate = Load(raw);
            return CertificateInfoReader.Read(certificate, raw, position);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return new CertificateInfo { Position = position, RawPem = raw, ParseError = Describe(raw, e) };
        }
    }

    private static X509Certificate2 Load(string raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new FormatException("empty certificate string");
        }

        if (raw.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            // CreateFromPem accepts CRLF or LF between base64 lines and an optional trailing newline, and rejects the
            // indented or truncated placeholder PEMs seen in RFC 7469 test fixtures.
            return X509Certificate2.CreateFromPem(raw);
        }

        // Some custom clients send bare base64 DER. Convert ignores embedded whitespace, so wrapped base64 works too.
        var der = Convert.FromBase64String(raw);
        return X509CertificateLoader.LoadCertificate(der);
    }

    private static string Describe(string raw, Exception e) => e switch
    {
        FormatException when string.IsNullOrWhiteSpace(raw) => "empty certificate string",
        FormatException => "not PEM and not base64 DER",
        _ when raw.Contains("-----BEGIN", StringComparison.Ordinal) => "PEM block does not contain a valid X.509 certificate",
        _ => "base64 does not decode to a valid X.509 certificate",
    };
}
