using System.Buffers.Binary;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Alerting;
using ReportApi.Data;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;
using ReportApi.Privacy;
using ReportApi.Rollups;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// Issue #12, alert evaluation at 10,000 series: the live evaluator's baselines come from stored windows
/// (<see cref="BaselineWindows"/>) and must be the ones <see cref="AlertingSql.BaselineDevices"/> counts from the minute
/// device sets, minute after minute, while late batches commit into stored windows (marked as ingest marks them, taken
/// by the real rollup closer or not yet), devices are deleted through the data-subject deletion, series appear, and
/// candidates change. Random data over several seeds; devices shared across series, hosts and minutes, '' and
/// '(other)' components.
/// </summary>
public sealed class BaselineWindowsTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(-12);
    private static readonly DetectorOptions Options = new() { Window = TimeSpan.FromMinutes(3), BaselineDays = 2, BaselineNeighbourWindows = 1 };
    private static readonly string[] Versions = ["1.0", "2.0", "(other)", ""];
    private static readonly string[] Hosts = ["api.shop.example", "cdn.shop.example", ""];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Stored_windows_give_the_baselines_the_minute_device_sets_give_through_late_minutes_and_deletions(int seed)
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Alerting:Evaluator:Enabled"] = "false" });
        var rng = new Random(seed);
        await app.Services.GetRequiredService<PartitionMaintenance>().EnsureAsync(DateOnly.FromDateTime(T.UtcDateTime).AddDays(-3),
            DateOnly.FromDateTime(T.UtcDateTime).AddDays(1), Ct);
        var series = new List<int>();
        foreach (var version in Versions)
        foreach (var host in Hosts)
        foreach (var diagnosis in new[] { "unknown", "server-rotation" })
        {
            series.Add(await ScalarAsync<int>(app, """
                INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
                VALUES ('com.example.shop', $1, 'IOS', $2, $2, $3, 1, $4) RETURNING id
                """, version, host, diagnosis, T.AddDays(-3).AddMinutes(rng.Next(0, 3 * 1440))));
        }

        // Every baseline minute of every evaluated minute, some left empty; device ids from a small pool so they repeat.
        var rows = new List<(DateTimeOffset, int, long)>();
        for (var day = 0; day <= Options.BaselineDays; day++)
        {
            for (var m = -12; m < 30; m++)
            {
                foreach (var id in series.Where(_ => rng.Next(3) > 0)) rows.AddRange(Enumerable.Range(0, rng.Next(1, 4)).Select(_ => (T.AddDays(-day).AddMinutes(m), id, (long)rng.Next(1, 40))));
            }
        }
        await InsertAsync(app, rows, late: false);
        var closer = app.Services.GetRequiredService<RollupCloser>();
        await closer.CloseAsync(wait: true, Ct);

        var stored = 0;
        var changedByLateOrDeleted = 0;
        Dictionary<SeriesKey, int[]>? beforeChange = null;
        List<SeriesKey>? sameCandidates = null;
        var minute = T;
        while (minute < T.AddMinutes(25))
        {
            var candidates = sameCandidates ?? [.. (await AllKeysAsync(app)).Where(_ => rng.Next(4) > 0).Append(SeriesKey.ForVersion("com.example.shop", "9.9"))];
            Dictionary<SeriesKey, int[]> expected;
            await using (var connection = await app.Db.OpenConnectionAsync(Ct))
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                expected = await ReferenceAsync(connection, transaction, candidates, minute);
                var actual = await SeriesObservations.BaselinesAsync(connection, transaction, candidates, minute, Options, Ct);
                Assert.Equal(candidates.Count, actual.Count);
                foreach (var key in candidates)
                {
                    Assert.True(expected[key].SequenceEqual(actual[key]),
                        $"seed {seed}, {minute:u}, {key}: stored [{string.Join(',', actual[key])}] != counted [{string.Join(',', expected[key])}]");
                }
                await transaction.CommitAsync(Ct);
            }
            if (beforeChange is not null && candidates.Any(k => !beforeChange[k].SequenceEqual(expected[k]))) changedByLateOrDeleted++;
            stored = Math.Max(stored, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_baseline_counts"));

            // Between two evaluations of the same minute (so the change lands in windows stored a moment ago): a batch
            // commits late into a compared minute (marked as ingest marks it), or a device is deleted; then the closer
            // takes the marks, or has not yet.
            var change = rng.Next(4);
            if (change == 0)
            {
                var at = minute.AddDays(-rng.Next(1, Options.BaselineDays + 1)).AddMinutes(rng.Next(-6, 3));
                await InsertAsync(app, [.. Enumerable.Range(0, rng.Next(1, 5)).Select(_ => (at, series[rng.Next(series.Count)], (long)rng.Next(1, 60)))], late: true);
            }
            else if (change == 1)
            {
                await app.Services.GetRequiredService<PrivacyStore>().DeleteDeviceAsync(DeviceHash(rng.Next(1, 40)), -1, Ct);
            }
            if (rng.Next(2) == 0) await closer.CloseAsync(wait: true, Ct);
            (beforeChange, sameCandidates) = change <= 1 ? (expected, candidates) : (null, null);
            if (change > 1) minute = minute.AddMinutes(1);
        }
        Assert.True(stored >= 3 * Options.BaselineDays, $"the windows should be stored (stored {stored})");
        Assert.True(changedByLateOrDeleted > 0, "late minutes and deletions should change some baselines, or the test proves nothing");
    }

    [Fact]
    public async Task Windows_after_the_closing_edge_are_counted_live_and_not_stored()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Alerting:Evaluator:Enabled"] = "false" });
        // Comparable windows ending tomorrow and the day after: after the closing edge (now at most), where a batch could still commit unmarked.
        var at = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(3).AddHours(12);
        await app.Services.GetRequiredService<PartitionMaintenance>().EnsureAsync(DateOnly.FromDateTime(at.UtcDateTime).AddDays(-3),
            DateOnly.FromDateTime(at.UtcDateTime), Ct);
        var id = await ScalarAsync<int>(app, """
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            VALUES ('com.example.shop', '1.0', 'IOS', 'api.shop.example', 'api.shop.example', 'unknown', 1, $1) RETURNING id
            """, at.AddDays(-3));
        await InsertAsync(app, [(at.AddDays(-1).AddMinutes(-1), id, 7L), (at.AddDays(-1).AddMinutes(-1), id, 8L), (at.AddDays(-2).AddMinutes(1), id, 7L)], late: false);
        await app.Services.GetRequiredService<RollupCloser>().CloseAsync(wait: true, Ct);
        var key = SeriesKey.ForVersion("com.example.shop", "1.0");
        await using var connection = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var baselines = await SeriesObservations.BaselinesAsync(connection, transaction, [key], at, Options, Ct);
        // Day 1's three windows (the one ending at the time of day holds both devices), then day 2's (the one after it, one).
        Assert.Equal([0, 2, 0, 0, 0, 1], baselines[key]);
        Assert.Equal(0, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_baseline_counts", connection, transaction));
    }

    [Fact]
    public async Task Group_names_no_series_has_are_pruned_with_the_series_and_marks_too_old_to_matter_go()
    {
        await using var app = await TestApp.StartAsync(postgres, new Dictionary<string, string?> { ["Alerting:Evaluator:Enabled"] = "false" });
        var partitions = app.Services.GetRequiredService<PartitionMaintenance>();
        await partitions.EnsureAsync(DateOnly.FromDateTime(T.UtcDateTime).AddDays(-3), DateOnly.FromDateTime(T.UtcDateTime).AddDays(1), Ct);
        var id = await ScalarAsync<int>(app, """
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            VALUES ('com.example.gone', '1.0', 'IOS', 'gone.example', 'gone.example', 'unknown', 1, $1) RETURNING id
            """, T.AddDays(-3));
        await InsertAsync(app, [(T.AddDays(-1).AddMinutes(-1), id, 7L)], late: false);
        await app.Services.GetRequiredService<RollupCloser>().CloseAsync(wait: true, Ct);
        await using (var connection = await app.Db.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            var key = SeriesKey.ForVersion("com.example.gone", "1.0");
            var baselines = await SeriesObservations.BaselinesAsync(connection, transaction, [key], T, Options, Ct);
            Assert.Equal([0, 1, 0, 0, 0, 0], baselines[key]);
            await transaction.CommitAsync(Ct);
        }
        Assert.Equal(3, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_baseline_groups WHERE app = 'com.example.gone' OR noted_hostname = 'gone.example'"));

        // The series had no report for the whole retention window (its rows are gone): it goes, and its group names with it.
        await ScalarAsync<int>(app, "WITH d AS (DELETE FROM failure_devices_minute WHERE series_id = $1 RETURNING 1) SELECT count(*)::int FROM d", id);
        await ScalarAsync<int>(app, "WITH d AS (DELETE FROM failure_rollups_minute WHERE series_id = $1 RETURNING 1) SELECT count(*)::int FROM d", id);
        await ScalarAsync<int>(app, """
            WITH m AS (INSERT INTO alert_dirty_minutes (minute) VALUES (now() - interval '40 days'), (now() - interval '1 day') ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*)::int FROM m
            """);
        Assert.True(await partitions.PruneSeriesAsync(DateTimeOffset.UtcNow, Ct) >= 1);
        Assert.Equal(0, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_baseline_groups WHERE app = 'com.example.gone' OR noted_hostname = 'gone.example'"));
        Assert.Equal(0, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_dirty_minutes WHERE minute < now() - interval '36 days'"));
        Assert.Equal(1, await ScalarAsync<int>(app, "SELECT count(*)::int FROM alert_dirty_minutes WHERE minute > now() - interval '2 days'"));
    }

    /// <summary>The baselines as the evaluator counted them before windows were stored: <see cref="AlertingSql.BaselineDevices"/>.</summary>
    private static async Task<Dictionary<SeriesKey, int[]>> ReferenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<SeriesKey> candidates, DateTimeOffset minute)
    {
        var hosts = candidates.Where(k => k.Level == SeriesLevel.Host).Select(k => k.NotedHostname!).Distinct().ToArray();
        var pairs = candidates.Where(k => k.Level != SeriesLevel.Host).Select(k => (k.App!, k.Version!)).Distinct().ToArray();
        string[] apps = [.. pairs.Select(p => p.Item1)], versions = [.. pairs.Select(p => p.Item2)];
        await using var command = new NpgsqlCommand(AlertingSql.BaselineDevices, connection, transaction);
        command.Parameters.Arg(hosts).Arg(apps).Arg(versions).Arg(minute).Arg(Options.Window).Arg(Options.BaselineDays).Arg(Options.BaselineNeighbourWindows);
        var samples = await SeriesObservations.SamplesAsync(command, [], Ct);
        var firstSeen = await SeriesObservations.FirstSeenAsync(connection, transaction, hosts, apps, versions, Ct);
        return SeriesObservations.Assemble(candidates, minute, Options, samples, firstSeen);
    }

    /// <summary>Every series key of every level (the candidates are drawn from these).</summary>
    private static async Task<List<SeriesKey>> AllKeysAsync(TestApp app)
    {
        var keys = new List<SeriesKey>();
        await using var command = app.Db.CreateCommand("SELECT DISTINCT app, version, noted_hostname FROM failure_series");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            var (a, v, h) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            foreach (var key in new[] { SeriesObservations.Key("host", null, null, h), SeriesObservations.Key("version", a, v, null), SeriesObservations.Key("version-host", a, v, h) })
            {
                if (key is not null && !keys.Contains(key)) keys.Add(key);
            }
        }
        return keys;
    }

    /// <summary>Device rows; a late batch also marks its minutes in the same transaction, as ingest does below the closing edge.</summary>
    private static async Task InsertAsync(TestApp app, List<(DateTimeOffset Minute, int Series, long Device)> rows, bool late)
    {
        await using var connection = await app.Db.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using var command = new NpgsqlCommand($"""
            WITH r AS (SELECT * FROM unnest($1::timestamptz[], $2::int[], $3::bigint[]) AS r (bucket, series_id, device_id)),
            ins AS (INSERT INTO failure_devices_minute (bucket, series_id, device_id) SELECT * FROM r ON CONFLICT DO NOTHING)
            {(late ? "INSERT INTO rollup_dirty_minutes (minute) SELECT DISTINCT bucket FROM r ON CONFLICT DO NOTHING" : "SELECT 1")}
            """, connection, transaction);
        command.Parameters.Arg(rows.Select(r => r.Minute.UtcDateTime).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            .Arg(rows.Select(r => r.Series).ToArray()).Arg(rows.Select(r => r.Device).ToArray());
        await command.ExecuteNonQueryAsync(Ct);
        await transaction.CommitAsync(Ct);
    }

    /// <summary>A device hash whose first 8 bytes are <paramref name="deviceId"/> (the minute sets key a device by them).</summary>
    private static byte[] DeviceHash(long deviceId)
    {
        var hash = new byte[32];
        BinaryPrimitives.WriteInt64BigEndian(hash, deviceId);
        return hash;
    }

    private static async Task<TResult> ScalarAsync<TResult>(TestApp app, string sql, params object[] args)
    {
        await using var command = app.Db.CreateCommand(sql);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg is DateTimeOffset t ? t.UtcDateTime : arg });
        return (TResult)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<TResult> ScalarAsync<TResult>(TestApp app, string sql, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _ = app;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (TResult)(await command.ExecuteScalarAsync(Ct))!;
    }
}
