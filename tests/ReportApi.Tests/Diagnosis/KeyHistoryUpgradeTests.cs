using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Diagnosis.HistoryReports;

namespace ReportApi.Tests.Diagnosis;

/// <summary>
/// Upgrade in place: a database of the previous release (migrated up to DiagnosisBacklog, with its reports and rollups)
/// takes the KeyHistory migration, keeps every row, starts with an empty history, and a rediagnose run then applies what
/// the history learns to the old reports.
/// </summary>
public sealed class KeyHistoryUpgradeTests(PostgresFixture postgres)
{
    private const string PreviousRelease = "20261201122659_DiagnosisBacklog";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reports_of_the_previous_release_survive_the_migration_and_rediagnose_fixes_them_once_the_history_knows_the_intermediate()
    {
        var pki = LivePki.Create(Host, "upgrade");
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Diagnosis:TrustedRootsFile"] = RootsFile(pki.Root) });
        await MigrateToAsync(app, PreviousRelease);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM pg_tables WHERE tablename IN ('host_keys', 'rediagnose_runs')"));

        // Written by the previous release's schema: a leaf-only report (no history to read: the service copes).
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(Body("android", [pki.Leaf], "old-device"), Ct)).StatusCode);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE diagnosis = 'interception-suspected'"));

        await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(Ct);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports"));
        Assert.Equal(1, await app.CountAsync("SELECT coalesce(sum(reports), 0) FROM failure_rollups_minute"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM host_keys"));

        // The new release learns the intermediate from a complete chain; rediagnose applies it to the old report.
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(Body("ios", pki.Chain.ToList(), "new-device"), Ct)).StatusCode);
        var result = await ActivatorUtilities.CreateInstance<Rediagnoser>(app.Services)
            .RunAsync(new RediagnoseRequest(from, DateTimeOffset.UtcNow.AddMinutes(1), 100, false), TextWriter.Null, Ct);

        Assert.Equal(new RediagnoseResult(2, 1), result);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM reports WHERE diagnosis = 'certificate-invalid' AND dialect = 'trustkit-android'"));
        await RediagnoseTests.AssertRollupsAgreeWithReportsAsync(app);
    }

    private static async Task MigrateToAsync(TestApp app, string migration)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PinReportsDbContext>();
        await db.GetService<IMigrator>().MigrateAsync(migration, Ct);
    }
}
