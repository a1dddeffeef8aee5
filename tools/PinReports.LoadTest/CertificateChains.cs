using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PinReports.Tools;

namespace PinReports.LoadTest;

/// <summary>
/// Real X.509 chains for the reports: RSA-2048 leaf / intermediate / root (DER ~0.9-1.1 KB each, so a report is ~5 KB
/// like the ones apps send). Chains share roots and intermediates the way real CAs do; each chain has its own leaf.
/// Built with the shared <see cref="CertificateFactory"/>; the report bytes come from <see cref="TrustKitFormat"/>.
/// </summary>
internal static class CertificateChains
{
    /// <summary>One chain per hostname: index 0 = leaf, 1 = intermediate, 2 = root (TrustKit order).</summary>
    public static X509Certificate2[][] Create(IReadOnlyList<string> hostnames)
    {
        var now = DateTimeOffset.UtcNow;
        var caCount = Math.Max(1, (hostnames.Count + 1) / 2);
        var roots = new (X509Certificate2 Cert, RSA Key)[caCount];
        var intermediates = new (X509Certificate2 Cert, RSA Key)[caCount];
        for (var i = 0; i < caCount; i++)
        {
            roots[i] = CertificateFactory.Root($"CN=PinReports Load Root CA {i + 1}, O=PinReports Load Test, C=US", now.AddYears(-5), now.AddYears(20));
            intermediates[i] = CertificateFactory.Intermediate($"CN=PinReports Load Issuing CA {i + 1}, O=PinReports Load Test, C=US", roots[i], now.AddYears(-2), now.AddYears(5));
        }

        var chains = new X509Certificate2[hostnames.Count][];
        for (var i = 0; i < hostnames.Count; i++)
        {
            var ca = intermediates[i % caCount];
            var leaf = CertificateFactory.Leaf($"CN={hostnames[i]}, O=PinReports Load Test, L=Palo Alto, S=California, C=US", hostnames[i], ca,
                now.AddDays(-30), now.AddDays(60), "load.pinreports.test");
            chains[i] = [leaf, ca.Cert, roots[i % caCount].Cert];
        }

        foreach (var (_, key) in roots.Concat(intermediates)) key.Dispose();
        return chains;
    }
}
