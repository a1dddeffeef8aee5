using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PinReports.Tools;

namespace PinReports.LoadTest;

internal enum Platform
{
    Ios,
    Android,
}

/// <summary>One app install: its platform, app version and <c>app-vendor-id</c> (pre-encoded, 36 ASCII bytes).</summary>
internal sealed record Device(int Index, Platform Platform, int VersionIndex, byte[] VendorId);

/// <summary>
/// A pre-serialised report (UTF-8, exactly the bytes the app would send) with two holes at known offsets: the
/// 36-byte <c>app-vendor-id</c> and the 20-byte <c>date-time</c>. Filling them is a couple of memcpy's per report.
/// </summary>
internal sealed class ReportTemplate(byte[] bytes, int vendorIdOffset, int dateTimeOffset, int leafOffset = -1, int leafLength = 0)
{
    public byte[] Bytes { get; } = bytes;
    public int VendorIdOffset { get; } = vendorIdOffset;
    public int DateTimeOffset { get; } = dateTimeOffset;

    /// <summary>--unique-chains: where the leaf's JSON string sits (-1: none); each report puts another leaf there.</summary>
    public int LeafOffset { get; } = leafOffset;
    public int LeafLength { get; } = leafLength;
}

/// <summary>
/// The simulated fleet and its report templates. Every report of a run gets a run-wide sequence number <c>seq</c>;
/// it decides the chain (hence the hostname) and the <c>date-time</c> (<see cref="BaseTime"/> + seq seconds), so
/// (hostname, date-time) is unique per report and per run (the hostnames carry the run id). Both are part of the
/// server's dedup key, so no report of the run is a duplicate, and <see cref="TryParseSequence"/> maps a stored row
/// back to its report.
/// </summary>
internal sealed class ReportFleet
{
    public const int VendorIdLength = 36;
    public const int DateTimeLength = 20; // yyyy-MM-ddTHH:mm:ssZ (iOS format; Android writes the same pattern in local time)
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const string VendorIdHole = "VVVVVVVV-VVVV-VVVV-VVVV-VVVVVVVVVVVV";
    private const string DateTimeHole = "DDDD-DD-DDTDD:DD:DDZ";
    private const string BundleId = "com.pinreports.loadtest";
    private static readonly string[] ServiceLabels = ["api", "cdn", "auth", "img", "ws", "pay", "search", "media"];
    private static readonly string[] IosVersions = ["16.7.10", "17.6.1", "18.2.1", "18.5.0"];

    private readonly ReportTemplate[][][] _templates; // [platform][version][chain]
    private readonly byte[][]? _floodLeaves; // --unique-chains: each leaf as the JSON string iOS writes

    public IReadOnlyList<Device> Devices { get; }
    public IReadOnlyList<string> Hostnames { get; }
    public string NotedHostname { get; }
    public IReadOnlyList<string> AppVersions { get; }
    public DateTime BaseTime { get; }
    public int MaxReportBytes { get; }
    public int IosDevices { get; }
    public IReadOnlyDictionary<string, int> TemplateSizes { get; }

    public ReportFleet(LoadTestOptions options)
    {
        var rng = new Random(options.Seed);
        AppVersions = options.AppVersions;
        NotedHostname = $"r{options.RunId}.load.pinreports.test";
        Hostnames = Enumerable.Range(0, options.Chains)
            .Select(i => $"{ServiceLabels[i % ServiceLabels.Length]}{(i >= ServiceLabels.Length ? (i / ServiceLabels.Length).ToString(CultureInfo.InvariantCulture) : "")}.{NotedHostname}")
            .ToArray();
        // A month back: plausible client clocks, and 2.6 million unique seconds before they reach "now".
        var now = DateTime.UtcNow;
        BaseTime = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddDays(-30);

        var devices = new Device[options.Devices];
        Span<byte> uuid = stackalloc byte[16];
        for (var i = 0; i < devices.Length; i++)
        {
            var platform = rng.NextDouble() < options.IosShare ? Platform.Ios : Platform.Android;
            rng.NextBytes(uuid);
            uuid[7] = (byte)((uuid[7] & 0x0F) | 0x40); // version 4 (Guid's byte order: the 'version' byte is index 7)
            uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80); // RFC 4122 variant
            var text = new Guid(uuid).ToString("D");
            // iOS: NSUUID.UUIDString (upper case); Android: java.util.UUID.toString() (lower case).
            text = platform == Platform.Ios ? text.ToUpperInvariant() : text.ToLowerInvariant();
            devices[i] = new Device(i, platform, rng.Next(AppVersions.Count), Encoding.ASCII.GetBytes(text));
        }

        Devices = devices;
        IosDevices = devices.Count(d => d.Platform == Platform.Ios);

        // Each app version pins two keys, rotating: v0 {P0,P1}, v1 {P1,P2}, ... (none of them in the chains, so the
        // reports are the common "no matching pin" failure; the last chain is reported as "chain not trusted").
        var pins = Enumerable.Range(0, AppVersions.Count + 1).Select(_ =>
        {
            var b = new byte[32];
            rng.NextBytes(b);
            return $"pin-sha256=\"{Convert.ToBase64String(b)}\"";
        }).ToArray();

        var chains = CertificateChains.Create(Hostnames);
        byte[]? firstLeaf = null;
        if (options.UniqueChains > 0)
        {
            // Every chain becomes [a flood leaf, the flood CA]; the template holds the first leaf, replaced per report.
            var (ca, leaves) = CertificateChains.CreateFlood(options.UniqueChains, $"*.{NotedHostname}");
            _floodLeaves = [.. leaves.Select(der => Encoding.UTF8.GetBytes(TrustKitFormat.JsonStringLiteral(TrustKitFormat.IosPem(der))))];
            firstLeaf = _floodLeaves[0];
            var template = X509CertificateLoader.LoadCertificate(leaves[0]);
            chains = [.. chains.Select(_ => new[] { template, ca })];
        }
        var expiration = now.AddDays(180).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        _templates = new ReportTemplate[2][][];
        var sizes = new Dictionary<string, int>();
        foreach (var platform in new[] { Platform.Ios, Platform.Android })
        {
            _templates[(int)platform] = new ReportTemplate[AppVersions.Count][];
            for (var v = 0; v < AppVersions.Count; v++)
            {
                _templates[(int)platform][v] = new ReportTemplate[chains.Length];
                for (var c = 0; c < chains.Length; c++)
                {
                    var validationResult = chains.Length > 1 && c == chains.Length - 1 ? 2 : 1;
                    var json = platform == Platform.Ios
                        ? IosJson(AppVersions[v], IosVersions[v % IosVersions.Length], Hostnames[c], chains[c], [pins[v], pins[v + 1]], validationResult, v == 0 ? null : expiration)
                        : AndroidJson(AppVersions[v], Hostnames[c], chains[c], [pins[v + 1], pins[v]], validationResult);
                    var template = Compile(json, platform == Platform.Ios ? firstLeaf : null);
                    _templates[(int)platform][v][c] = template;
                    sizes[$"{platform} {AppVersions[v]} chain{c}"] = template.Bytes.Length;
                }
            }
        }

        TemplateSizes = sizes;
        MaxReportBytes = sizes.Values.Max() + (_floodLeaves is null ? 0 : _floodLeaves.Max(l => l.Length) - firstLeaf!.Length);
    }

    public int ChainFor(long seq) => (int)(seq % Hostnames.Count);

    public string HostnameFor(long seq) => Hostnames[ChainFor(seq)];

    public string DateTimeFor(long seq) => BaseTime.AddSeconds(seq).ToString(DateTimeFormat, CultureInfo.InvariantCulture);

    public bool TryParseSequence(string? dateTimeRaw, out long seq)
    {
        seq = -1;
        if (dateTimeRaw is null
            || !DateTime.TryParseExact(dateTimeRaw, DateTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
            return false;
        seq = (long)(t - BaseTime).TotalSeconds;
        return seq >= 0;
    }

    /// <summary>Writes report <paramref name="seq"/> of <paramref name="device"/> into <paramref name="destination"/>; returns its length.</summary>
    public int Write(Span<byte> destination, long seq, Device device)
    {
        var template = _templates[(int)device.Platform][device.VersionIndex][ChainFor(seq)];
        var length = template.Bytes.Length;
        var vendorIdOffset = template.VendorIdOffset;
        var dateTimeOffset = template.DateTimeOffset;
        if (template.LeafOffset < 0)
        {
            template.Bytes.CopyTo(destination);
        }
        else
        {
            // Another never-seen leaf in every report: before the hole, the leaf, after the hole (holes behind it move).
            var leaf = _floodLeaves![seq % _floodLeaves.Length];
            var after = template.LeafOffset + template.LeafLength;
            template.Bytes.AsSpan(0, template.LeafOffset).CopyTo(destination);
            leaf.CopyTo(destination[template.LeafOffset..]);
            template.Bytes.AsSpan(after).CopyTo(destination[(template.LeafOffset + leaf.Length)..]);
            var shift = leaf.Length - template.LeafLength;
            length += shift;
            if (vendorIdOffset > template.LeafOffset) vendorIdOffset += shift;
            if (dateTimeOffset > template.LeafOffset) dateTimeOffset += shift;
        }
        device.VendorId.CopyTo(destination[vendorIdOffset..]);
        if (!BaseTime.AddSeconds(seq).TryFormat(destination.Slice(dateTimeOffset, DateTimeLength), out var written, DateTimeFormat, CultureInfo.InvariantCulture)
            || written != DateTimeLength)
            throw new InvalidOperationException($"date-time of report {seq} does not fit the template");
        return length;
    }

    /// <summary>TrustKit iOS 3.0.x (§2.2), see <see cref="TrustKitFormat.IosJson"/>.</summary>
    private string IosJson(string appVersion, string osVersion, string hostname, X509Certificate2[] chain, string[] pins, int validationResult, string? expiration) =>
        TrustKitFormat.IosJson(new TrustKitReport(BundleId, appVersion, osVersion, VendorIdHole, "3.0.0", DateTimeHole, hostname,
            NotedHostname, IncludeSubdomains: true, EnforcePinning: true, chain, null, pins, validationResult, expiration));

    /// <summary>
    /// TrustKit-Android 1.1.5 (§3.1), see <see cref="TrustKitFormat.AndroidJson"/>: the served chain is leaf + intermediate
    /// as received; when validation failed (result 2) Android reports the served chain as the "validated" one too.
    /// </summary>
    private string AndroidJson(string appVersion, string hostname, X509Certificate2[] chain, string[] pins, int validationResult)
    {
        var served = chain.Take(2).ToArray();
        var validated = validationResult == 2 ? served : chain;
        return TrustKitFormat.AndroidJson(new TrustKitReport(BundleId, appVersion, null, VendorIdHole, "1.1.5", DateTimeHole, hostname,
            NotedHostname, IncludeSubdomains: true, EnforcePinning: false, validated, served, pins, validationResult, null));
    }

    private static ReportTemplate Compile(string json, byte[]? leafHole)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return leafHole is null
            ? new ReportTemplate(bytes, SingleOffset(bytes, VendorIdHole), SingleOffset(bytes, DateTimeHole))
            : new ReportTemplate(bytes, SingleOffset(bytes, VendorIdHole), SingleOffset(bytes, DateTimeHole), SingleOffset(bytes, leafHole), leafHole.Length);
    }

    private static int SingleOffset(byte[] bytes, string hole) => SingleOffset(bytes, Encoding.ASCII.GetBytes(hole));

    private static int SingleOffset(byte[] bytes, byte[] needle)
    {
        var hole = Encoding.ASCII.GetString(needle[..Math.Min(needle.Length, 40)]);
        var first = bytes.AsSpan().IndexOf(needle);
        if (first < 0 || bytes.AsSpan(first + 1).IndexOf(needle) >= 0)
            throw new InvalidOperationException($"template must contain '{hole}' exactly once");
        return first;
    }
}
