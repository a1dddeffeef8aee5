using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PinReports.Tools;

namespace PinReports.Simulator;

/// <summary>
/// The simulated bank's PKI, persisted as PEM files (certificate + PKCS#8 key) in one directory so every run and the
/// service's <c>Diagnosis:TrustedRootsFile</c> agree on the same root. CA certificates are created once; leaves are
/// issued per run (see <see cref="ServerChains"/>), so they are always valid (or expired) relative to now.
/// </summary>
internal sealed class SimulatorPki
{
    public const string RootSubject = "CN=Example Bank Root CA R1, O=Example Bank Simulated PKI, C=US";
    public const string OldIntermediateSubject = "CN=Example Bank Issuing CA 1, O=Example Bank Simulated PKI, C=US";
    public const string NewIntermediateSubject = "CN=Example Bank Issuing CA 2, O=Example Bank Simulated PKI, C=US";
    public const string BackupRootSubject = "CN=Example Bank Backup Root CA R2, O=Example Bank Simulated PKI, C=US";
    public const string ZscalerSubject = "CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US";
    public const string MitmproxySubject = "CN=mitmproxy, O=mitmproxy";

    private SimulatorPki(string directory, Dictionary<string, (X509Certificate2 Cert, RSA Key)> cas)
    {
        Directory = directory;
        Root = cas["root-ca"];
        OldIntermediate = cas["issuing-ca-1"];
        NewIntermediate = cas["issuing-ca-2"];
        BackupRoot = cas["backup-root-ca"];
        Zscaler = cas["zscaler-root-ca"];
        Mitmproxy = cas["mitmproxy-ca"];
    }

    public string Directory { get; }

    /// <summary>The bank's root: the only certificate in <see cref="RootsFile"/>.</summary>
    public (X509Certificate2 Cert, RSA Key) Root { get; }

    /// <summary>The intermediate the servers use before a rotation; every app version pins it.</summary>
    public (X509Certificate2 Cert, RSA Key) OldIntermediate { get; }

    /// <summary>The intermediate the server rotates to (new key, same root).</summary>
    public (X509Certificate2 Cert, RSA Key) NewIntermediate { get; }

    /// <summary>A backup CA's root that some versions pin but no server uses (not in the roots file).</summary>
    public (X509Certificate2 Cert, RSA Key) BackupRoot { get; }

    /// <summary>Self-signed interception roots, named the way the products name them.</summary>
    public (X509Certificate2 Cert, RSA Key) Zscaler { get; }

    public (X509Certificate2 Cert, RSA Key) Mitmproxy { get; }

    public string RootsFile => Path.Combine(Directory, "roots.pem");

    /// <summary>Loads the CAs from <paramref name="directory"/>, creating (and saving) whatever is missing.</summary>
    public static SimulatorPki LoadOrCreate(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;
        var cas = new Dictionary<string, (X509Certificate2, RSA)>();
        var root = cas["root-ca"] = LoadOrCreate(directory, "root-ca", () => CertificateFactory.Root(RootSubject, now.AddYears(-8), now.AddYears(17)));
        cas["issuing-ca-1"] = LoadOrCreate(directory, "issuing-ca-1",
            () => CertificateFactory.Intermediate(OldIntermediateSubject, root, now.AddYears(-3), now.AddYears(4)));
        cas["issuing-ca-2"] = LoadOrCreate(directory, "issuing-ca-2",
            () => CertificateFactory.Intermediate(NewIntermediateSubject, root, now.AddDays(-20), now.AddYears(6)));
        cas["backup-root-ca"] = LoadOrCreate(directory, "backup-root-ca", () => CertificateFactory.Root(BackupRootSubject, now.AddYears(-2), now.AddYears(20)));
        cas["zscaler-root-ca"] = LoadOrCreate(directory, "zscaler-root-ca", () => CertificateFactory.Root(ZscalerSubject, now.AddYears(-10), now.AddYears(15)));
        cas["mitmproxy-ca"] = LoadOrCreate(directory, "mitmproxy-ca", () => CertificateFactory.Root(MitmproxySubject, now.AddDays(-3), now.AddYears(10), pathLength: 0));
        var pki = new SimulatorPki(directory, cas);
        var pem = pki.Root.Cert.ExportCertificatePem() + "\n";
        if (!File.Exists(pki.RootsFile) || File.ReadAllText(pki.RootsFile) != pem) File.WriteAllText(pki.RootsFile, pem);
        return pki;
    }

    private static (X509Certificate2, RSA) LoadOrCreate(string directory, string name, Func<(X509Certificate2 Cert, RSA Key)> create)
    {
        var certPath = Path.Combine(directory, name + ".crt.pem");
        var keyPath = Path.Combine(directory, name + ".key.pem");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            var key = RSA.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            return (X509Certificate2.CreateFromPem(File.ReadAllText(certPath)), key);
        }

        var created = create();
        File.WriteAllText(certPath, created.Cert.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, created.Key.ExportPkcs8PrivateKeyPem() + "\n");
        return created;
    }
}

/// <summary>What a server (or a proxy in front of it) presents for one hostname: leaf first, as sent on the wire.</summary>
internal sealed record ServedChain(string Name, X509Certificate2[] Served, X509Certificate2[] Built);

/// <summary>The chains of one run, issued now: per hostname the normal, rotated, expired and intercepted chains.</summary>
internal sealed class ServerChains
{
    private readonly Dictionary<(string Host, string Kind), ServedChain> _chains = [];

    public ServerChains(SimulatorPki pki, IEnumerable<string> hostnames, DateTimeOffset now)
    {
        foreach (var host in hostnames)
        {
            var subject = $"CN={host}, O=Example Bank, L=New York, S=New York, C=US";
            const string pkiHost = "pki.example.com";
            var current = CertificateFactory.Leaf(subject, host, pki.OldIntermediate, now.AddDays(-40), now.AddDays(50), pkiHost);
            var rotated = CertificateFactory.Leaf(subject, host, pki.NewIntermediate, now.AddDays(-1), now.AddDays(89), pkiHost);
            var expired = CertificateFactory.Leaf(subject, host, pki.OldIntermediate, now.AddDays(-92), now.AddDays(-2), pkiHost);
            var zscaler = CertificateFactory.Leaf($"CN={host}", host, pki.Zscaler, now.AddDays(-1), now.AddDays(13), "gateway.zscaler.net");
            var mitm = CertificateFactory.Leaf($"CN={host}, O=mitmproxy", host, pki.Mitmproxy, now.AddDays(-2), now.AddYears(1), "mitm.it");
            _chains[(host, "current")] = new("current", [current, pki.OldIntermediate.Cert], [current, pki.OldIntermediate.Cert, pki.Root.Cert]);
            _chains[(host, "rotated")] = new("rotated", [rotated, pki.NewIntermediate.Cert], [rotated, pki.NewIntermediate.Cert, pki.Root.Cert]);
            _chains[(host, "expired")] = new("expired", [expired, pki.OldIntermediate.Cert], [expired, pki.OldIntermediate.Cert, pki.Root.Cert]);
            _chains[(host, "zscaler")] = new("zscaler", [zscaler, pki.Zscaler.Cert], [zscaler, pki.Zscaler.Cert]);
            _chains[(host, "mitmproxy")] = new("mitmproxy", [mitm, pki.Mitmproxy.Cert], [mitm, pki.Mitmproxy.Cert]);
        }
    }

    public ServedChain Get(string host, string kind) => _chains[(host, kind)];
}
