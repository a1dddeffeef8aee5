using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using PinReports.Tools;

namespace PinReports.Simulator;

internal enum DevicePlatform
{
    Ios,
    Android,
}

/// <summary>One released app version: its share of the fleet and its pin set (the certificates whose keys it pins).</summary>
internal sealed record AppRelease(string Version, double Share, X509Certificate2[] PinnedCertificates, string PinsDescription)
{
    public string[] KnownPins { get; } = [.. PinnedCertificates.Select(TrustKitFormat.PinDirective)];

    /// <summary>TrustKit passes when any key of the built chain is pinned.</summary>
    public bool Accepts(IEnumerable<X509Certificate2> chain)
    {
        var chainPins = chain.Select(TrustKitFormat.PinDirective).ToHashSet();
        return KnownPins.Any(chainPins.Contains);
    }
}

/// <summary>One app install.</summary>
internal sealed class SimDevice(int index, DevicePlatform platform, AppRelease release, string vendorId, TimeSpan utcOffset, string osVersion, string network)
{
    public int Index { get; } = index;
    public DevicePlatform Platform { get; } = platform;
    public AppRelease Release { get; } = release;

    /// <summary>iOS: NSUUID.UUIDString (upper case); Android: java.util.UUID.toString() (lower case).</summary>
    public string VendorId { get; } = vendorId;

    /// <summary>Android writes <c>date-time</c> in local time with a literal Z; iOS in UTC.</summary>
    public TimeSpan UtcOffset { get; } = utcOffset;

    public string OsVersion { get; } = osVersion;

    /// <summary>The network the device is on ("home", or <see cref="Fleet.InterceptedNetwork"/>).</summary>
    public string Network { get; } = network;

    /// <summary>
    /// The address the device reports from, sent as <c>X-Forwarded-For</c> (the service believes it when the simulator's
    /// address is in <c>Network:TrustedProxies</c>): a /24 of its own at home, one shared /24 on the intercepted corporate
    /// network. Real incidents come from many networks; the service pages only on such independent evidence (issue #22).
    /// </summary>
    public string ClientAddress { get; } = network == Fleet.InterceptedNetwork
        ? $"203.0.113.{2 + index % 250}"
        : $"10.{(index >> 8) & 0xFF}.{index & 0xFF}.{2 + index * 7 % 250}";

    /// <summary>Per hostname, when this device last sent a report (TrustKit's rate limit after restarts: once a minute).</summary>
    public Dictionary<string, DateTimeOffset> LastReport { get; } = [];
}

/// <summary>
/// The simulated fleet of com.example.bank: three releases with different pin sets, iOS and Android, two hostnames.
/// Deterministic for a seed.
/// </summary>
internal sealed class Fleet
{
    public const string BundleId = "com.example.bank";
    public const string InterceptedNetwork = "acme-corp-wifi";
    public static readonly string[] Hostnames = ["api.example.com", "login.example.com"];
    private static readonly string[] IosVersions = ["16.7.10", "17.6.1", "18.2.1", "18.5"];
    private static readonly double[] AndroidOffsetsHours = [-8, -5, -3, 0, 1, 2, 3, 5.5, 8, 9];

    public Fleet(SimulatorPki pki, int devices, int seed, double interceptedShare = 0.08)
    {
        var expiration = DateTime.UtcNow.Date.AddDays(200).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Releases =
        [
            new AppRelease("3.0.2", 0.2, [pki.OldIntermediate.Cert, pki.Root.Cert], "old intermediate + root"),
            new AppRelease("3.1.0", 0.35, [pki.OldIntermediate.Cert, pki.BackupRoot.Cert], "old intermediate + backup CA root"),
            new AppRelease("3.2.1", 0.45, [pki.OldIntermediate.Cert], "old intermediate only"),
        ];
        PinsExpirationDate = expiration;

        var rng = new Random(seed);
        var list = new List<SimDevice>(devices);
        Span<byte> uuid = stackalloc byte[16];
        for (var i = 0; i < devices; i++)
        {
            var platform = rng.NextDouble() < 0.55 ? DevicePlatform.Ios : DevicePlatform.Android;
            var pick = rng.NextDouble();
            var release = Releases[^1];
            foreach (var r in Releases)
            {
                if (pick < r.Share) { release = r; break; }
                pick -= r.Share;
            }

            rng.NextBytes(uuid);
            uuid[7] = (byte)((uuid[7] & 0x0F) | 0x40); // version 4
            uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80); // RFC 4122 variant
            var id = new Guid(uuid).ToString("D");
            id = platform == DevicePlatform.Ios ? id.ToUpperInvariant() : id.ToLowerInvariant();
            var offset = platform == DevicePlatform.Android ? TimeSpan.FromHours(AndroidOffsetsHours[rng.Next(AndroidOffsetsHours.Length)]) : TimeSpan.Zero;
            var os = platform == DevicePlatform.Ios ? IosVersions[rng.Next(IosVersions.Length)] : (11 + rng.Next(5)).ToString(CultureInfo.InvariantCulture);
            var network = rng.NextDouble() < interceptedShare ? InterceptedNetwork : "home";
            list.Add(new SimDevice(i, platform, release, id, offset, os, network));
        }

        Devices = list;
    }

    public IReadOnlyList<AppRelease> Releases { get; }

    public IReadOnlyList<SimDevice> Devices { get; }

    /// <summary>The iOS <c>known-pins-expiration-date</c> of every release.</summary>
    public string PinsExpirationDate { get; }

    /// <summary>Active devices per (version, platform): what the simulator posts to <c>/v1/activity</c>.</summary>
    public IEnumerable<(string Version, string Platform, int Devices)> Activity() =>
        Devices.GroupBy(d => (d.Release.Version, d.Platform))
            .OrderBy(g => g.Key.Version, StringComparer.Ordinal).ThenBy(g => g.Key.Platform)
            .Select(g => (g.Key.Version, g.Key.Platform == DevicePlatform.Ios ? "ios" : "android", g.Count()));
}
