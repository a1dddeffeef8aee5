using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PinReports.Tools;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Ingestion;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>A stored chain: what the ingest writer puts in <c>certificate_chains</c>, and the PEMs a report carries.</summary>
internal sealed record CorpusChain(string Kind, ParsedChain Parsed, IReadOnlyList<X509Certificate2> Certificates);

/// <summary>
/// The shape of a month of pin-failure traffic for three apps on iOS and Android: real X.509 chains stored once (RSA
/// server chains, the rotated one, expired ones, shared interception-proxy chains, one-off mitmproxy chains each seen
/// by one device, an unparsable one), pin sets per app configuration, and raw JSON made by the service's own parser
/// from real TrustKit bodies (4-8 KB with their chains; the service stores them without the chains and the
/// app-vendor-id). Everything a row needs is a pure function of its index, so days load in parallel and a re-run
/// loads the same table.
/// </summary>
internal sealed class ReportCorpus
{
    public static readonly string[] Apps = ["com.example.shop", "com.example.bank", "com.example.news"];
    private static readonly string[] Majors = ["4", "7", "2"];
    public const int Versions = 12;
    public static readonly string[] Hosts = ["api.example.com", "cdn.example.com", "login.example.com", "payments.example.com", "telemetry.example.com"];
    private static readonly double[] HostWeights = [0.40, 0.20, 0.15, 0.15, 0.10];
    private static readonly string[] IosVersions = ["16.7.10", "17.6.1", "18.1.1", "18.2"];
    public const int CdnEdges = 20;
    public const int OneOffChains = 350;
    private const int ProxyProducts = 4;
    public const int DevicePool = 1_000_000;
    private const string TemplateTime = "2000-01-01T00:00:00Z";

    /// <summary>The incident: the last 90 minutes, half the traffic is login.example.com failing on its rotated chain.</summary>
    public static readonly TimeSpan IncidentLength = TimeSpan.FromMinutes(90);

    public required CorpusChain[] ServerOld { get; init; }
    public required CorpusChain[] ServerNew { get; init; }
    public required CorpusChain[] Expired { get; init; }
    public required CorpusChain[] Proxies { get; init; }
    public required CorpusChain[] OneOff { get; init; }
    public required CorpusChain Unparsable { get; init; }
    public required PinSet[] PinSets { get; init; }
    public required PinSet MalformedPins { get; init; }

    private readonly Dictionary<(int App, int Platform, int Version, int Os, int Host, int Edge, int Validation, int Pins), Template> _templates = [];
    private readonly Lock _templateLock = new();

    public IEnumerable<CorpusChain> AllChains => [.. ServerOld, .. ServerNew, .. Expired, .. Proxies, .. OneOff, Unparsable];

    public static string Version(int app, int v) => $"{Majors[app]}.{v}.0";

    public static ReportCorpus Create()
    {
        var now = DateTimeOffset.UtcNow;
        var root1 = CertificateFactory.Root("CN=Example Global Root R1, O=Example Trust Services, C=US", now.AddYears(-8), now.AddYears(15));
        var root2 = CertificateFactory.Root("CN=Example Global Root R2, O=Example Trust Services, C=US", now.AddYears(-3), now.AddYears(20));
        var intermediateOld = CertificateFactory.Intermediate("CN=Example TLS Issuing CA 2022, O=Example Trust Services, C=US", root1, now.AddYears(-3), now.AddYears(2));
        var intermediateNew = CertificateFactory.Intermediate("CN=Example TLS Issuing CA 2025, O=Example Trust Services, C=US", root2, now.AddYears(-1), now.AddYears(4));
        CorpusChain Server(string kind, string host, (X509Certificate2 Cert, RSA Key) ca, X509Certificate2 root, DateTimeOffset from, DateTimeOffset to)
        {
            var leaf = CertificateFactory.Leaf($"CN={(host.StartsWith("cdn", StringComparison.Ordinal) ? "*." + host : host)}, O=Example Inc, L=Palo Alto, S=California, C=US",
                host.StartsWith("cdn", StringComparison.Ordinal) ? "*." + host : host, ca, from, to, "pki.example-trust.test");
            return Chain(kind, [leaf, ca.Cert, root]);
        }
        var serverOld = Hosts.Select(h => Server("server-old", h, intermediateOld, root1.Cert, now.AddDays(-200), now.AddDays(160))).ToArray();
        var serverNew = Hosts.Select(h => Server("server-new", h, intermediateNew, root2.Cert, now.AddDays(-20), now.AddDays(340))).ToArray();
        var expired = Hosts.Select(h => Server("expired", h, intermediateOld, root1.Cert, now.AddDays(-400), now.AddDays(-35))).ToArray();

        string[] products = ["mitmproxy", "Charles Proxy CA", "Zscaler Root CA", "FortiGate CA"];
        var proxies = new List<CorpusChain>();
        for (var p = 0; p < ProxyProducts; p++)
        {
            for (var instance = 0; instance < 2; instance++)
            {
                var (ca, caKey) = EcCa($"CN={products[p]} {instance + 1}, O={products[p]}");
                proxies.AddRange(Hosts.Select(h => Chain("proxy", [EcLeaf(h, ca, caKey), ca])));
                caKey.Dispose();
            }
        }
        // mitmproxy makes a CA per install: every one-off chain is a device's own CA and leaf.
        var oneOff = new CorpusChain[OneOffChains];
        Parallel.For(0, OneOffChains, i =>
        {
            var (ca, caKey) = EcCa($"CN=mitmproxy, O=mitmproxy, OU=install {i:D4}");
            oneOff[i] = Chain("one-off", [EcLeaf(Hosts[i % Hosts.Length], ca, caKey), ca]);
            caKey.Dispose();
        });
        var unparsable = new CorpusChain("unparsable", ChainParser.Parse(["-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----"]), []);

        string Pin(X509Certificate2 c) => TrustKitFormat.PinDirective(c);
        var backup = $"pin-sha256=\"{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("backup key kept offline")))}\"";
        // Versions before 6 pin the 2022 intermediate and its root; 6 and later also the 2025 intermediate.
        var oldPins = new[] { Pin(intermediateOld.Cert), Pin(root1.Cert), backup };
        var newPins = new[] { Pin(intermediateNew.Cert), Pin(intermediateOld.Cert), backup };
        var pinSets = new PinSet[Apps.Length * 2 * 2];
        for (var i = 0; i < pinSets.Length; i++)
        {
            var pins = (i % 2 == 0 ? oldPins : newPins).Select(KnownPinParser.Parse).OrderBy(p => p.Raw, StringComparer.Ordinal).ToList();
            // Same pins, one set per app and platform: the fingerprint covers the pins only, so add the app's own backup.
            pins.Add(KnownPinParser.Parse($"pin-sha256=\"{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"app backup {i / 2}")))}\""));
            pinSets[i] = PinSet.Of([.. pins.OrderBy(p => p.Raw, StringComparer.Ordinal)]);
        }
        var malformed = PinSet.Of([.. new[] { "pin-sha256=\"not base64!\"", "sha256/AAAA" }.Select(KnownPinParser.Parse)]);
        foreach (var key in new[] { root1.Key, root2.Key, intermediateOld.Key, intermediateNew.Key }) key.Dispose();
        return new ReportCorpus
        {
            ServerOld = serverOld, ServerNew = serverNew, Expired = expired, Proxies = [.. proxies], OneOff = oneOff,
            Unparsable = unparsable, PinSets = pinSets, MalformedPins = malformed,
        };
    }

    private static CorpusChain Chain(string kind, X509Certificate2[] certificates) =>
        new(kind, ChainParser.Parse([.. certificates.Select(TrustKitFormat.IosPem)]), certificates);

    private static (X509Certificate2 Ca, ECDsa Key) EcCa(string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        CertificateFactory.AddCaExtensions(request, 0);
        using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(9));
        return (X509CertificateLoader.LoadCertificate(self.RawData), key);
    }

    private static X509Certificate2 EcLeaf(string host, X509Certificate2 ca, ECDsa caKey)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        CertificateFactory.AddLeafExtensions(request, host, "proxy.invalid");
        CertificateFactory.AddAuthorityKeyIdentifier(request, ca);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(365), serial);
    }

    /// <summary>One row of <c>reports</c>, in <see cref="IngestSql.ReportColumns"/> terms.</summary>
    internal readonly record struct Row(
        Guid Id, DateTimeOffset ReceivedAt, Template Template, int Device, string DateTime, DateTimeOffset? ClientTime,
        CorpusChain Chain, PinSet PinSet, string Diagnosis);

    /// <summary>The parsed fields of one app configuration's report and its raw JSON with a placeholder date-time.</summary>
    internal sealed record Template(PinFailureReport Report, string RawBefore, string RawAfter, int BodyBytes)
    {
        public string Raw(string dateTime) => string.Concat(RawBefore, dateTime, RawAfter);
    }

    /// <summary>Row <paramref name="i"/> of <paramref name="total"/> over [start, end): receive times evenly spaced, everything else hashed from i.</summary>
    public Row Generate(long i, long total, DateTimeOffset start, DateTimeOffset end)
    {
        var receivedAt = start + TimeSpan.FromTicks((long)((end - start).Ticks * ((double)i / total)));
        var h = new Mix((ulong)i);
        // Devices: a long tail (a few devices report a lot, most a few times).
        var device = (int)(DevicePool * Math.Pow(h.Unit(), 1.6));
        var u = h.Unit();
        var incident = receivedAt >= end - IncidentLength && h.Unit() < 0.5;
        int host;
        var edge = 0;
        CorpusChain chain;
        string diagnosis;
        var validation = 1;
        if (incident)
        {
            host = 2;
            chain = ServerNew[host];
            diagnosis = "server-rotation";
        }
        else
        {
            host = Pick(HostWeights, h.Unit());
            if (u < 0.02)
            {
                (chain, diagnosis, validation) = (ServerNew[host], "client-config-error", 3);
            }
            else if (u < 0.10)
            {
                (chain, diagnosis, validation) = (Expired[host], "certificate-invalid", 2);
            }
            else if (u < 0.20)
            {
                (chain, diagnosis) = (Unparsable, "unknown");
            }
            else if (u < 0.48)
            {
                validation = 2;
                diagnosis = "interception-suspected";
                if (h.Unit() < 0.03)
                {
                    // A one-off chain belongs to one install: the row becomes that device's.
                    var k = (int)(h.Unit() * OneOffChains);
                    chain = OneOff[k];
                    device = (int)((k * 2654435761L) % DevicePool);
                    host = k % Hosts.Length;
                }
                else
                {
                    chain = Proxies[(int)(h.Unit() * (Proxies.Length / Hosts.Length)) * Hosts.Length + host];
                }
            }
            else
            {
                (chain, diagnosis) = (h.Unit() < 0.7 ? ServerNew[host] : ServerOld[host], "server-rotation");
            }
        }
        if (host == 1) edge = 1 + (int)(h.Unit() * CdnEdges);

        // A device has one app, one platform and one OS version, and stays on its version (most run the newest ones).
        var d = new Mix((ulong)device * 0x9E3779B97F4A7C15UL);
        var app = device % Apps.Length;
        var platform = device / Apps.Length % 2;
        var os = (int)(d.Unit() * IosVersions.Length);
        var version = Math.Max(0, Versions - 1 - (int)(-2.0 * Math.Log(1 - d.Unit())));
        var pins = diagnosis == "client-config-error" ? -1 : (app * 2 + platform) * 2 + (version >= 6 ? 1 : 0);
        var template = TemplateFor(app, platform, version, platform == 0 ? os : 0, host, edge, validation, pins, chain);

        // iOS sends UTC; Android the local wall-clock time with a literal Z (here: UTC−5 .. UTC+3).
        var clientAt = receivedAt.AddSeconds(-(int)(h.Unit() * 30));
        if (platform == 1) clientAt = clientAt.AddHours(-5 + device % 9);
        var dateTime = clientAt.UtcDateTime.ToString(TrustKitFormat.DateTimeFormat, System.Globalization.CultureInfo.InvariantCulture);
        return new Row(Guid.CreateVersion7(receivedAt), receivedAt, template, device, dateTime,
            platform == 0 ? new DateTimeOffset(clientAt.UtcDateTime.Ticks - clientAt.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : null,
            chain, pins < 0 ? MalformedPins : PinSets[pins], diagnosis);
    }

    public static byte[] DeviceHash(int device) => SHA256.HashData(BitConverter.GetBytes((long)device));

    public static string DeviceVendorId(int device) => new Guid(MD5.HashData(BitConverter.GetBytes((long)device))).ToString().ToUpperInvariant();

    /// <summary>Average size of the bodies the templates were parsed from (with their chains), and how many templates.</summary>
    public (double AverageBodyBytes, int Templates) BodyStats()
    {
        lock (_templateLock) return (_templates.Values.Average(t => t.BodyBytes), _templates.Count);
    }

    private Template TemplateFor(int app, int platform, int version, int os, int host, int edge, int validation, int pins, CorpusChain chain)
    {
        var key = (app, platform, version, os, host, edge, validation, pins);
        lock (_templateLock)
        {
            if (_templates.TryGetValue(key, out var found)) return found;
        }
        var noted = Hosts[host];
        var hostname = edge > 0 ? $"edge{edge}.{noted}" : noted;
        var pinSet = pins < 0 ? MalformedPins : PinSets[pins];
        // The body as the app sends it, with a chain of the kind this configuration usually reports (the server's).
        var certificates = chain.Certificates.Count > 0 ? chain.Certificates : ServerNew[host].Certificates;
        var report = new TrustKitReport(Apps[app], Version(app, version), platform == 0 ? IosVersions[os] : null, DeviceVendorId(version),
            platform == 0 ? "3.0.4" : "1.1.5", TemplateTime, hostname, noted, host == 1, platform == 0, certificates,
            platform == 1 ? certificates : null, pinSet.Pins, validation, platform == 0 ? (version >= 6 ? "2027-12-31" : "2027-06-30") : null);
        var body = platform == 0 ? TrustKitFormat.IosJson(report) : TrustKitFormat.AndroidJson(report);
        var parsed = ReportBodyParser.Parse(Encoding.UTF8.GetBytes(body), ReportLimits.Default);
        if (parsed.Reports.Count != 1) throw new InvalidOperationException($"template body rejected: {string.Join("; ", parsed.Problems.Select(p => p.Message))}");
        var raw = parsed.Reports[0].RawJson;
        var at = raw.IndexOf(TemplateTime, StringComparison.Ordinal);
        var template = new Template(parsed.Reports[0], raw[..at], raw[(at + TemplateTime.Length)..], Encoding.UTF8.GetByteCount(body));
        lock (_templateLock) return _templates.TryAdd(key, template) ? template : _templates[key];
    }

    private static int Pick(double[] weights, double u)
    {
        for (var i = 0; i < weights.Length; i++)
        {
            if (u < weights[i]) return i;
            u -= weights[i];
        }
        return weights.Length - 1;
    }

    /// <summary>SplitMix64: a stream of uniform numbers from one seed, without allocating a Random per row.</summary>
    private struct Mix(ulong seed)
    {
        private ulong _state = seed;

        public double Unit()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return ((z ^ (z >> 31)) >> 11) * (1.0 / (1UL << 53));
        }
    }
}
