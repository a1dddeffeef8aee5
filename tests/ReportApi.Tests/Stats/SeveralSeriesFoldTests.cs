using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ReportApi.Data;
using ReportApi.Rollups;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Stats.StatsTruth;

namespace ReportApi.Tests.Stats;

/// <summary>
/// Issue #12, the closer at flood scale: devices in exactly one series of a bucket are counted per series and rolled up
/// through the groupings; devices in two or more series of a bucket (two hostnames, two versions, enforced and
/// report-only) take the exact per-group path. Beside each other in the same buckets, at every grain, the served
/// counts of every stored grouping equal a count over the raw reports, whether the bucket was recounted whole (minute
/// grains, an hour or day met for the first time) or folded into (hour and day, over several folds).
/// </summary>
public sealed class SeveralSeriesFoldTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private static readonly DateTimeOffset Start = KnownTraffic.Day1.AddHours(22);

    [Fact]
    public async Task Devices_in_several_series_beside_devices_in_one_match_raw_reports_at_every_grain()
    {
        var clock = new ManualClock(Start);
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Rollups:CloseInterval"] = "00:10:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        var closer = app.Services.GetRequiredService<RollupCloser>();
        var api = LivePki.Create("api.bank.example", "several-api");
        var cdn = LivePki.Create("cdn.bank.example", "several-cdn");
        var sent = 0;
        async Task Post(DateTimeOffset at, string device, string host, string version, bool? enforce)
        {
            clock.Now = at;
            var pki = host == "api.bank.example" ? api : cdn;
            // A distinct client time per report: every one is stored (a resend would be a duplicate, not a report).
            var dateTime = $"2026-11-26T10:{sent / 60:00}:{sent % 60:00}Z";
            sent++;
            var report = enforce is { } e
                ? ReportJson.Ios(host, pki.Chain, [Pin], vendorId: device, appVersion: version, enforce: e, dateTime: dateTime)
                : ReportJson.Android(host, [.. pki.Chain], [Pin], vendorId: device, appVersion: version, dateTime: dateTime);
            Assert.Equal(HttpStatusCode.NoContent, (await app.Client.PostReportAsync(report, Ct)).StatusCode);
        }
        async Task Close(DateTimeOffset at)
        {
            clock.Now = at;
            await closer.CloseAsync(wait: true, Ct);
        }
        const string Api = "api.bank.example", Cdn = "cdn.bank.example";
        await Close(Start);

        // 22:05, counted whole by every grain (the hour and the day are met for the first time).
        var m = Start.AddMinutes(5);
        await Post(m.AddSeconds(1), "one-a", Api, "3.2.1", true);
        await Post(m.AddSeconds(2), "one-b", Api, "3.2.1", true);
        await Post(m.AddSeconds(3), "one-c", Cdn, "3.2.0", false);
        await Post(m.AddSeconds(4), "one-d", Api, "3.2.1", true);
        await Post(m.AddSeconds(5), "one-d", Api, "3.2.1", true);          // two reports, one series
        await Post(m.AddSeconds(6), "one-e", Api, "3.2.1", null);          // neither enforced nor report-only
        await Post(m.AddSeconds(7), "hosts", Api, "3.2.1", true);
        await Post(m.AddSeconds(8), "hosts", Cdn, "3.2.1", false);         // two hosts, enforced and report-only
        await Post(m.AddSeconds(9), "versions", Api, "3.2.0", true);
        await Post(m.AddSeconds(10), "versions", Api, "3.2.1", true);      // two versions
        await Post(m.AddSeconds(11), "modes", Api, "3.2.1", true);
        await Post(m.AddSeconds(12), "modes", Api, "3.2.1", false);        // one host and version, both modes
        await Close(Start.AddMinutes(6).AddSeconds(30));

        // 22:07, folded into the counted hour and day: never-seen devices in one series and in two, known devices in
        // their old series and in a new one.
        m = Start.AddMinutes(7);
        await Post(m.AddSeconds(1), "new-a", Api, "3.2.1", true);
        await Post(m.AddSeconds(2), "new-b", Cdn, "3.2.0", false);
        await Post(m.AddSeconds(3), "new-hosts", Api, "3.2.1", true);
        await Post(m.AddSeconds(4), "new-hosts", Cdn, "3.2.0", false);
        await Post(m.AddSeconds(5), "new-modes", Api, "3.2.0", true);
        await Post(m.AddSeconds(6), "new-modes", Api, "3.2.0", false);
        await Post(m.AddSeconds(7), "one-a", Api, "3.2.1", true);          // known, same series
        await Post(m.AddSeconds(8), "one-c", Api, "3.2.1", true);          // known, a new series of other groups
        await Post(m.AddSeconds(9), "hosts", Cdn, "3.2.1", false);
        await Close(Start.AddMinutes(8).AddSeconds(30));

        // 22:08 and 22:09, one fold: a device new in one series this fold but in another one last fold, a device new in
        // two series over two minutes of the same fold, a device in one series over two minutes.
        m = Start.AddMinutes(8);
        await Post(m.AddSeconds(1), "new-a", Cdn, "3.2.1", false);
        await Post(m.AddSeconds(2), "spread", Api, "3.2.0", true);
        await Post(m.AddSeconds(62), "spread", Cdn, "3.2.0", true);
        await Post(m.AddSeconds(3), "twice", Cdn, "3.2.1", false);
        await Post(m.AddSeconds(63), "twice", Cdn, "3.2.1", false);
        await Post(m.AddSeconds(64), "late-one", Api, "3.2.1", null);
        await Close(Start.AddMinutes(11));

        var closed = Start.AddMinutes(10);
        foreach (var grain in ServingGrain.All) await AssertServedMatchesReportsAsync(app, grain, closed);
        var window = $"from={Iso(Start)}&to={Iso(Start.AddMinutes(15))}";
        foreach (var interval in new[] { "1m", "5m", "1h", "1d" })
        {
            foreach (var g in new[] { "", "hostname", "version", "version,hostname", "app,version,platform,hostname,notedHostname,diagnosis" })
            {
                await AssertMatchesReportsAsync(app, $"{window}&interval={interval}&groupBy={g}");
            }
        }
    }

    /// <summary>
    /// Every served row of the grain (every stored grouping) of buckets whose minutes the closer folded, against the
    /// raw reports received before the closed edge: reports, distinct devices and both splits, both ways round.
    /// </summary>
    private static async Task AssertServedMatchesReportsAsync(TestApp app, ServingGrain grain, DateTimeOffset closed)
    {
        var bin = $"date_bin(interval '{grain.SqlStep}', r.received_at, timestamptz '2000-01-01 00:00:00+00')";
        // Minute grains count a bucket once it is whole; hour and day hold what is folded so far.
        var whole = grain.HasOwnDeviceSet ? "" : $"AND {bin} + interval '{grain.SqlStep}' <= timestamptz '{closed:O}'";
        var key = string.Join(", ", ServingDimensions.Columns.Select((c, i) =>
            $"CASE WHEN ds.dims & {1 << i} <> 0 THEN {ReportColumn(c)} ELSE '' END"));
        var truth = $"""
            SELECT {bin} AS bucket, ds.dims, {key},
                   count(*) AS reports, count(*) FILTER (WHERE r.enforce_pinning) AS reports_enforced,
                   count(*) FILTER (WHERE NOT r.enforce_pinning) AS reports_report_only,
                   count(DISTINCT r.device_hash) AS devices, count(DISTINCT r.device_hash) FILTER (WHERE r.enforce_pinning) AS devices_enforced,
                   count(DISTINCT r.device_hash) FILTER (WHERE NOT r.enforce_pinning) AS devices_report_only
            FROM reports r CROSS JOIN unnest(ARRAY[{string.Join(", ", grain.StoredMasks)}]::smallint[]) AS ds (dims)
            WHERE r.received_at < timestamptz '{closed:O}' {whole}
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            """;
        var served = $"""
            SELECT bucket, dims, {ServingDimensions.Bare}, reports, reports_enforced, reports_report_only, devices, devices_enforced, devices_report_only
            FROM {grain.Table}
            """;
        Assert.True(await app.CountAsync($"SELECT count(*) FROM ({truth}) t") > 10, $"{grain.Name}: too little traffic to compare");
        var differences = await app.CountAsync($"SELECT count(*) FROM (({truth}) EXCEPT ({served})) x")
            + await app.CountAsync($"SELECT count(*) FROM (({served}) EXCEPT ({truth})) x");
        if (differences == 0) return;
        await using var command = app.Db.CreateCommand($"""
            SELECT string_agg(format('%s %s %s', side, x.dims, row_to_json(x)), E'\n') FROM (
                SELECT 'truth' AS side, * FROM (({truth}) EXCEPT ({served})) a
                UNION ALL SELECT 'served', * FROM (({served}) EXCEPT ({truth})) b) x
            """);
        Assert.Fail($"{grain.Name}: {differences} served rows differ from the raw reports:\n{await command.ExecuteScalarAsync(Ct)}");
    }

    private static string ReportColumn(string seriesColumn) => seriesColumn switch
    {
        "app" => "coalesce(r.app_bundle_id, '')",
        "version" => "coalesce(r.app_version, '')",
        "platform" => "coalesce(r.app_platform, '')",
        _ => "r." + seriesColumn,
    };
}
