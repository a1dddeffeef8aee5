using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PinReports.Tools;

/// <summary>The fields of one TrustKit report, in the terms both clients use.</summary>
/// <param name="OsVersion">iOS only (<c>app-platform-version</c>); Android does not send it.</param>
/// <param name="ServedChain">Android only (<c>served-certificate-chain</c>, as received).</param>
/// <param name="KnownPinsExpirationDate">iOS only; null is written as JSON null.</param>
public sealed record TrustKitReport(
    string BundleId,
    string AppVersion,
    string? OsVersion,
    string VendorId,
    string TrustKitVersion,
    string DateTime,
    string Hostname,
    string NotedHostname,
    bool IncludeSubdomains,
    bool EnforcePinning,
    IReadOnlyList<X509Certificate2> ValidatedChain,
    IReadOnlyList<X509Certificate2>? ServedChain,
    IReadOnlyList<string> KnownPins,
    int ValidationResult,
    string? KnownPinsExpirationDate);

/// <summary>
/// The exact bytes TrustKit iOS 3.0.x and TrustKit-Android 1.1.5 send (key order, escaping, PEM line layout), shared by
/// the load test and the traffic simulator.
/// </summary>
public static class TrustKitFormat
{
    /// <summary>iOS <c>date-time</c>: UTC. Android writes the same pattern in the device's local time, with a literal Z.</summary>
    public const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>The wire form of a pin: <c>pin-sha256="base64(SHA-256(SubjectPublicKeyInfo))"</c>.</summary>
    public static string PinDirective(X509Certificate2 certificate) =>
        $"pin-sha256=\"{Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()))}\"";

    /// <summary>TrustKit iOS: "\n" after BEGIN, 64-char lines joined by CRLF, "\n" before END, no trailing newline (§2.2).</summary>
    public static string IosPem(X509Certificate2 certificate) => IosPem(certificate.RawData);

    /// <inheritdoc cref="IosPem(X509Certificate2)"/>
    public static string IosPem(byte[] der) =>
        "-----BEGIN CERTIFICATE-----\n"
        + string.Join("\r\n", Wrap(Convert.ToBase64String(der), 64))
        + "\n-----END CERTIFICATE-----";

    /// <summary>A JSON string literal (with its quotes) escaped the way both TrustKit serialisers write it.</summary>
    public static string JsonStringLiteral(string value) => JsonString(new StringBuilder(value.Length + 64), value).ToString();

    /// <summary>TrustKit-Android: Base64.DEFAULT = 76-char lines each ending in LF, END line followed by LF (§3.4).</summary>
    public static string AndroidPem(X509Certificate2 certificate)
    {
        var pem = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        foreach (var line in Wrap(Convert.ToBase64String(certificate.RawData), 76)) pem.Append(line).Append('\n');
        return pem.Append("-----END CERTIFICATE-----\n").ToString();
    }

    /// <summary>TrustKit iOS 3.0.x (§2.2): NSJSONSerialization, compact, "/" escaped as "\/", all keys present.</summary>
    public static string IosJson(TrustKitReport r)
    {
        var j = new StringBuilder(6000).Append('{');
        Str(j, "app-bundle-id", r.BundleId).Append(',');
        Str(j, "app-version", r.AppVersion).Append(',');
        Str(j, "app-platform", "IOS").Append(',');
        Str(j, "app-platform-version", r.OsVersion ?? "").Append(',');
        Str(j, "app-vendor-id", r.VendorId).Append(',');
        Str(j, "trustkit-version", r.TrustKitVersion).Append(',');
        Str(j, "date-time", r.DateTime).Append(',');
        Str(j, "hostname", r.Hostname).Append(',');
        j.Append("\"port\":0,");
        Str(j, "noted-hostname", r.NotedHostname).Append(',');
        j.Append("\"include-subdomains\":").Append(r.IncludeSubdomains ? "true" : "false").Append(',');
        j.Append("\"enforce-pinning\":").Append(r.EnforcePinning ? "true" : "false").Append(',');
        Array(j, "validated-certificate-chain", r.ValidatedChain.Select(IosPem)).Append(',');
        Array(j, "known-pins", r.KnownPins).Append(',');
        j.Append("\"validation-result\":").Append(r.ValidationResult.ToString(CultureInfo.InvariantCulture)).Append(',');
        j.Append("\"known-pins-expiration-date\":");
        if (r.KnownPinsExpirationDate is null) j.Append("null");
        else JsonString(j, r.KnownPinsExpirationDate);
        return j.Append('}').ToString();
    }

    /// <summary>
    /// TrustKit-Android 1.1.5 (§3.1): org.json, compact, "/" escaped as "\/"; adds <c>served-certificate-chain</c> (as
    /// received), no <c>app-platform-version</c> or <c>known-pins-expiration-date</c>.
    /// </summary>
    public static string AndroidJson(TrustKitReport r)
    {
        var j = new StringBuilder(9000).Append('{');
        Str(j, "app-bundle-id", r.BundleId).Append(',');
        Str(j, "app-version", r.AppVersion).Append(',');
        Str(j, "app-vendor-id", r.VendorId).Append(',');
        Str(j, "app-platform", "ANDROID").Append(',');
        Str(j, "trustkit-version", r.TrustKitVersion).Append(',');
        Str(j, "hostname", r.Hostname).Append(',');
        j.Append("\"port\":0,");
        Str(j, "noted-hostname", r.NotedHostname).Append(',');
        j.Append("\"include-subdomains\":").Append(r.IncludeSubdomains ? "true" : "false").Append(',');
        j.Append("\"enforce-pinning\":").Append(r.EnforcePinning ? "true" : "false").Append(',');
        j.Append("\"validation-result\":").Append(r.ValidationResult.ToString(CultureInfo.InvariantCulture)).Append(',');
        Str(j, "date-time", r.DateTime).Append(',');
        Array(j, "validated-certificate-chain", r.ValidatedChain.Select(AndroidPem)).Append(',');
        Array(j, "served-certificate-chain", (r.ServedChain ?? r.ValidatedChain).Select(AndroidPem)).Append(',');
        Array(j, "known-pins", r.KnownPins);
        return j.Append('}').ToString();
    }

    private static StringBuilder Str(StringBuilder j, string key, string value)
    {
        JsonString(j, key).Append(':');
        return JsonString(j, value);
    }

    private static StringBuilder Array(StringBuilder j, string key, IEnumerable<string> values)
    {
        JsonString(j, key).Append(":[");
        var first = true;
        foreach (var value in values)
        {
            if (!first) j.Append(',');
            first = false;
            JsonString(j, value);
        }

        return j.Append(']');
    }

    /// <summary>JSON string the way both TrustKit serialisers write it: \" \\ \/ \n \r \t, other controls as \u00XX.</summary>
    private static StringBuilder JsonString(StringBuilder j, string value)
    {
        j.Append('"');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': j.Append("\\\""); break;
                case '\\': j.Append("\\\\"); break;
                case '/': j.Append("\\/"); break;
                case '\n': j.Append("\\n"); break;
                case '\r': j.Append("\\r"); break;
                case '\t': j.Append("\\t"); break;
                case < ' ': j.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: j.Append(ch); break;
            }
        }

        return j.Append('"');
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        for (var i = 0; i < text.Length; i += width) yield return text.Substring(i, Math.Min(width, text.Length - i));
    }
}
