namespace ReportApi.Domain.Diagnosis;

/// <summary>What kind of tool presents its own certificates; decides who the explanation points at.</summary>
public enum InterceptionKind
{
    /// <summary>A developer's debugging proxy: usually someone inspecting their own traffic.</summary>
    DebuggingProxy,

    /// <summary>A corporate TLS-inspection gateway or endpoint security product decrypting traffic on purpose.</summary>
    Inspection,
}

/// <summary>A product recognised from the names of a certificate authority in the chain.</summary>
public sealed record InterceptionProduct(string Name, InterceptionKind Kind, string MatchedName);

/// <summary>
/// Interception products name themselves in their CA certificates (docs/decisions/0006-diagnosis-is-a-pure-function.md). Only CA names are checked (the
/// issuer of every certificate, the subject of CA and self-issued ones), never a leaf subject: a server called
/// charles.example.com must not look like Charles Proxy. Needles are chosen so that no public CA name contains them
/// (e.g. "Symantec" alone would match a once-public CA, so Blue Coat is recognised by "ProxySG" / "Blue Coat").
/// </summary>
public static class InterceptionProducts
{
    private static readonly (string Name, InterceptionKind Kind, string[] Needles)[] Catalog =
    [
        ("mitmproxy", InterceptionKind.DebuggingProxy, ["mitmproxy"]),
        ("Charles Proxy", InterceptionKind.DebuggingProxy, ["Charles Proxy", "charlesproxy.com", "XK72"]),
        ("Fiddler", InterceptionKind.DebuggingProxy, ["DO_NOT_TRUST_Fiddler", "Fiddler"]),
        ("Burp Suite", InterceptionKind.DebuggingProxy, ["PortSwigger", "Burp Suite"]),
        ("Proxyman", InterceptionKind.DebuggingProxy, ["Proxyman"]),
        ("HTTP Toolkit", InterceptionKind.DebuggingProxy, ["HTTP Toolkit"]),
        ("Zscaler", InterceptionKind.Inspection, ["Zscaler"]),
        ("Netskope", InterceptionKind.Inspection, ["Netskope"]),
        ("Fortinet FortiGate", InterceptionKind.Inspection, ["FortiGate", "Fortinet"]),
        ("Palo Alto Networks", InterceptionKind.Inspection, ["Palo Alto Networks"]),
        ("Blue Coat / Symantec ProxySG", InterceptionKind.Inspection, ["Blue Coat", "BlueCoat", "ProxySG"]),
        ("Cisco Umbrella", InterceptionKind.Inspection, ["Cisco Umbrella"]),
        ("Cloudflare Gateway", InterceptionKind.Inspection, ["Cloudflare for Teams", "Gateway CA - Cloudflare"]),
        ("Forcepoint / Websense", InterceptionKind.Inspection, ["Forcepoint", "Websense"]),
        ("Check Point", InterceptionKind.Inspection, ["Check Point"]),
        ("Barracuda", InterceptionKind.Inspection, ["Barracuda"]),
        ("Sophos", InterceptionKind.Inspection, ["Sophos"]),
        ("Kaspersky", InterceptionKind.Inspection, ["Kaspersky"]),
        ("Avast", InterceptionKind.Inspection, ["Avast"]),
        ("AVG", InterceptionKind.Inspection, ["AVG Web Shield", "AVG Mail Shield", "AVG Technologies"]),
        ("ESET", InterceptionKind.Inspection, ["ESET SSL Filter", "ESET, spol", "ESET spol"]),
        ("Bitdefender", InterceptionKind.Inspection, ["Bitdefender"]),
        ("Superfish", InterceptionKind.Inspection, ["Superfish"]),
        ("eDellRoot", InterceptionKind.Inspection, ["eDellRoot"]),
        ("a corporate TLS-inspection CA", InterceptionKind.Inspection,
            ["TLS Inspection", "SSL Inspection", "HTTPS Inspection", "SSL Decrypt", "TLS Decrypt", "Forward Trust", "Forward-Trust", "Forward Untrust"]),
    ];

    /// <summary>The first catalogued product whose needle occurs (case-insensitively) in one of the CA names.</summary>
    public static InterceptionProduct? Find(IEnumerable<string> caNames)
    {
        ArgumentNullException.ThrowIfNull(caNames);
        foreach (var name in caNames)
        {
            foreach (var (product, kind, needles) in Catalog)
            {
                foreach (var needle in needles)
                {
                    if (name.Contains(needle, StringComparison.OrdinalIgnoreCase))
                    {
                        return new InterceptionProduct(product, kind, name);
                    }
                }
            }
        }

        return null;
    }
}
