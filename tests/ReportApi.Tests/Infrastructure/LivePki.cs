using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Tests.Infrastructure;

/// <summary>A root → intermediate → leaf chain valid today (the service judges validity at receive time).</summary>
public sealed record LivePki(X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf)
{
    public IReadOnlyList<X509Certificate2> Chain => [Leaf, Intermediate, Root];

    public static LivePki Create(string hostname, string prefix = "live")
    {
        var now = DateTimeOffset.UtcNow;
        var root = TestPki.Root($"CN={prefix} Root CA, O=PinReports Tests", $"{prefix}-root", now.AddYears(-5), now.AddYears(10));
        var intermediate = TestPki.Intermediate($"CN={prefix} Issuing CA 1, O=PinReports Tests", $"{prefix}-int", root, $"{prefix}-root", now.AddYears(-1), now.AddYears(3));
        var leaf = TestPki.Leaf(hostname, $"{prefix}-leaf-{hostname}", intermediate, $"{prefix}-int", now.AddDays(-10), now.AddDays(80));
        return new LivePki(root, intermediate, leaf);
    }
}
