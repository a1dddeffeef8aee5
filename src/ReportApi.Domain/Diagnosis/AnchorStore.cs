using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReportApi.Domain.Diagnosis;

/// <summary>
/// Every anchor in one collection (the OS roots when used, then the operator roots), with what the issuer cache and
/// the origin lookup need: the DER hashes of the OS roots and the encoded subject names of all anchors.
/// </summary>
internal sealed class AnchorStore
{
    private readonly HashSet<string> systemRoots;
    private readonly HashSet<string> subjects;

    private AnchorStore(X509Certificate2Collection all, HashSet<string> systemRoots, HashSet<string> subjects)
    {
        All = all;
        this.systemRoots = systemRoots;
        this.subjects = subjects;
    }

    public X509Certificate2Collection All { get; }

    public static AnchorStore Create(X509Certificate2Collection system, X509Certificate2Collection operatorRoots)
    {
        var all = new X509Certificate2Collection();
        all.AddRange(system);
        all.AddRange(operatorRoots);
        var systemHashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in system)
        {
            systemHashes.Add(Convert.ToHexStringLower(SHA256.HashData(root.RawData)));
        }

        var subjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in all)
        {
            subjects.Add(Convert.ToBase64String(root.SubjectName.RawData));
        }

        return new AnchorStore(all, systemHashes, subjects);
    }

    /// <summary>Whether the certificate with this hex SHA-256 is one of the OS roots.</summary>
    public bool IsSystemRoot(string certificateSha256) => systemRoots.Contains(certificateSha256);

    /// <summary>Whether some anchor has this encoded subject (it could then be a leaf's issuer too).</summary>
    public bool HasSubject(byte[] encodedName) => subjects.Count > 0 && subjects.Contains(Convert.ToBase64String(encodedName));
}
