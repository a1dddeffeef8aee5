using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Pins;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Pins;

/// <summary>
/// A bank app pinning api.bank.example across versions, as a release engineer meets it before a rotation:
/// <list type="bullet">
/// <item>iOS 2.9.0 pins only the current intermediate (devices a, b, c; a reports twice);</item>
/// <item>iOS 3.1.0 and Android 3.1.0 pin the current intermediate and the backup CA's root (devices a, d / e);</item>
/// <item>iOS 3.0.0 pins the current intermediate and its root, both one CA, and its pins expire in 10 days (device g);</item>
/// <item>iOS 2.5.0 pins the current intermediate and a spare key never deployed; its pins expired yesterday (device f).</item>
/// </list>
/// The operator's roots file holds the current root and the backup root, as in production.
/// </summary>
internal sealed class PinsScenario : IDisposable
{
    public const string Host = "api.bank.example";
    public const string App = "com.example.bank";

    public static readonly string SparePin = Convert.ToBase64String(SHA256.HashData("spare key kept offline"u8));

    public LivePki Current { get; } = LivePki.Create(Host, "pins-current");
    public X509Certificate2 BackupRoot { get; }
    public X509Certificate2 BackupIntermediate { get; }
    public X509Certificate2 BackupLeaf { get; }
    public X509Certificate2 RotatedIntermediate { get; }
    public X509Certificate2 RotatedLeaf { get; }
    public string RootsFile { get; }

    public PinsScenario()
    {
        var now = DateTimeOffset.UtcNow;
        BackupRoot = TestPki.Root("CN=Backup Root CA, O=Other Trust Services", "pins-backup-root", now.AddYears(-3), now.AddYears(15));
        BackupIntermediate = TestPki.Intermediate("CN=Backup Issuing CA, O=Other Trust Services", "pins-backup-int", BackupRoot, "pins-backup-root", now.AddYears(-1), now.AddYears(4));
        BackupLeaf = TestPki.Leaf(Host, "pins-backup-leaf", BackupIntermediate, "pins-backup-int", now.AddDays(-1), now.AddDays(90));
        // The same root (same key) issues a new intermediate with a new key: the classic rotation that bricks intermediate pins.
        RotatedIntermediate = TestPki.Intermediate("CN=pins-current Issuing CA 2, O=PinReports Tests", "pins-current-int2", Current.Root, "pins-current-root", now.AddDays(-30), now.AddYears(3));
        RotatedLeaf = TestPki.Leaf(Host, "pins-rotated-leaf", RotatedIntermediate, "pins-current-int2", now.AddDays(-1), now.AddDays(90));
        RootsFile = Path.Combine(Path.GetTempPath(), $"pinreports-roots-{Guid.NewGuid():N}.pem");
        File.WriteAllText(RootsFile, Current.Root.ExportCertificatePem() + "\n" + BackupRoot.ExportCertificatePem() + "\n");
    }

    /// <summary>The roots bundle goes with the scenario: test runs leave nothing in the temp folder.</summary>
    public void Dispose() => File.Delete(RootsFile);

    public string IntermediatePin => TestPki.SpkiPin(Current.Intermediate);
    public string RootPin => TestPki.SpkiPin(Current.Root);
    public string BackupRootPin => TestPki.SpkiPin(BackupRoot);

    public static string Directive(string sha256) => $"pin-sha256=\"{sha256}\"";

    public Dictionary<string, string?> Settings => new()
    {
        ["Diagnosis:TrustedRootsFile"] = RootsFile,
        ["Pins:SettleDelay"] = "00:00:00",
        // The tests refresh on demand; the background job only runs its first tick at start-up.
        ["Pins:RefreshInterval"] = "01:00:00",
    };

    public static Task<TestApp> StartAsync(PostgresFixture postgres, PinsScenario scenario) => TestApp.StartAsync(postgres, scenario.Settings);

    /// <summary>Posts every version's reports through HTTP (the reported chain is the current one).</summary>
    public async Task SeedAsync(TestApp app, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string[] v29 = [Directive(IntermediatePin)];
        string[] v31 = [Directive(IntermediatePin), Directive(BackupRootPin)];
        string[] v30 = [Directive(IntermediatePin), Directive(RootPin)];
        string[] v25 = [Directive(IntermediatePin), Directive(SparePin)];

        await PostAsync(app, Ios("2.9.0", v29, "device-a", "2026-11-27T10:00:00Z"), ct);
        await PostAsync(app, Ios("2.9.0", v29, "device-a", "2026-11-27T10:05:00Z"), ct);
        await PostAsync(app, Ios("2.9.0", v29, "device-b"), ct);
        await PostAsync(app, Ios("2.9.0", v29, "device-c"), ct);
        await PostAsync(app, Ios("3.1.0", v31, "DEVICE-A"), ct); // the same install after an update; the id is case-folded
        await PostAsync(app, Ios("3.1.0", v31, "device-d"), ct);
        await PostAsync(app, ReportJson.Android(Host, [.. Current.Chain], v31, vendorId: "device-e", appVersion: "3.1.0", bundleId: App), ct);
        await PostAsync(app, Ios("3.0.0", v30, "device-g", expiration: today.AddDays(10)), ct);
        await PostAsync(app, Ios("2.5.0", v25, "device-f", expiration: today.AddDays(-1)), ct);
    }

    public JsonObject Ios(string version, string[] pins, string device, string dateTime = "2026-11-27T10:00:00Z", DateOnly? expiration = null)
    {
        var report = ReportJson.Ios(Host, Current.Chain, pins, vendorId: device, appVersion: version, dateTime: dateTime, bundleId: App);
        if (expiration is { } date) report["known-pins-expiration-date"] = date.ToString("yyyy-MM-dd");
        return report;
    }

    public static async Task PostAsync(TestApp app, JsonObject report, CancellationToken ct)
    {
        var response = await app.Client.PostReportAsync(report, ct);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static Task<int> RefreshAsync(TestApp app, CancellationToken ct) =>
        app.Services.GetRequiredService<PinInventoryRefresher>().RefreshAsync(wait: true, ct);
}
