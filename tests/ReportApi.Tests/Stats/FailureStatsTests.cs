using System.Text.Json;
using ReportApi.Tests.Infrastructure;
using static ReportApi.Tests.Stats.KnownTraffic;

namespace ReportApi.Tests.Stats;

/// <summary>Issue #4: stats equal the hand-computed truth of <see cref="KnownTraffic"/> for every interval and grouping.</summary>
public sealed class FailureStatsTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset Ten = Day1.AddHours(10);

    [Fact]
    public async Task Rollup_rows_hold_reports_duplicates_and_exact_devices_per_minute_and_agree_with_raw_reports()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);
        // Ingest writes the minute grain; the closer folds hours and days off the hot path.
        await CloseAsync(app);

        Assert.Equal(8, await app.CountAsync("SELECT count(*) FROM reports"));
        foreach (var grain in new[] { "minute", "hour", "day" })
        {
            Assert.Equal(8, await app.CountAsync($"SELECT sum(reports) FROM failure_rollups_{grain}"));
            Assert.Equal(2, await app.CountAsync($"SELECT sum(duplicates) FROM failure_rollups_{grain}"));
            // Device sets equal the raw truth for every bucket and series, and the rollup's devices column matches them.
            Assert.Equal(0, await app.CountAsync($"""
                SELECT count(*) FROM (
                    (SELECT date_trunc('{grain}', received_at, 'UTC'), 0, count(DISTINCT device_hash) FROM reports GROUP BY 1
                     EXCEPT SELECT bucket, 0, count(DISTINCT device_id) FROM failure_devices_{grain} GROUP BY 1)
                    UNION ALL
                    (SELECT bucket, series_id, sum(devices) FROM failure_rollups_{grain} GROUP BY 1, 2 HAVING sum(devices) > 0
                     EXCEPT SELECT bucket, series_id, count(*) FROM failure_devices_{grain} GROUP BY 1, 2)
                ) x
                """));
        }
        // Minute 10:00, series (3.2.1, api, enforced): d1 and d2 stored, d1's resend counted as a duplicate.
        Assert.Equal(1, await app.CountAsync($"""
            SELECT count(*) FROM (
                SELECT sum(r.reports) AS reports, sum(r.duplicates) AS duplicates, sum(r.devices) AS devices
                FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id
                WHERE r.bucket = '{Ten:O}' AND s.version = '3.2.1' AND s.hostname = '{Api}' AND s.enforce = 1
                GROUP BY r.bucket, r.series_id) x
            WHERE reports = 2 AND duplicates = 1 AND devices = 2
            """));
        // Minute 10:07, the Android array: one stored, its copy in the same batch a duplicate, report-only.
        Assert.Equal(1, await app.CountAsync($"""
            SELECT count(*) FROM (
                SELECT sum(r.reports) AS reports, sum(r.duplicates) AS duplicates, sum(r.devices) AS devices
                FROM failure_rollups_minute r JOIN failure_series s ON s.id = r.series_id
                WHERE r.bucket = '{Ten.AddMinutes(7):O}' AND s.platform = 'ANDROID' AND s.enforce = 0
                GROUP BY r.bucket, r.series_id) x
            WHERE reports = 1 AND duplicates = 1 AND devices = 1
            """));
    }

    [Fact]
    public async Task One_minute_buckets_are_zero_filled_and_exact()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var stats = await StatsAsync(app, $"from={Iso(Ten)}&to={Iso(Ten.AddMinutes(10))}&interval=1m");

        var buckets = Buckets(stats);
        Assert.Equal(10, buckets.Count);
        Assert.Equal(Ten, buckets[0].GetProperty("start").GetDateTimeOffset());
        Assert.Equal((2, 1, 2), Counts(buckets[0]));
        Assert.Equal((2, 0, 2), Counts(buckets[1]));
        Assert.Equal((1, 1, 1), Counts(buckets[7]));
        foreach (var i in new[] { 2, 3, 4, 5, 6, 8, 9 }) Assert.Equal((0, 0, 0), Counts(buckets[i]));
    }

    [Fact]
    public async Task Five_minute_and_hour_buckets_count_a_device_seen_in_several_minutes_once()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var five = Buckets(await StatsAsync(app, $"from={Iso(Ten)}&to={Iso(Ten.AddMinutes(10))}&interval=5m"));
        Assert.Equal([(4L, 1L, 3L), (1L, 1L, 1L)], five.Select(Counts));

        var hours = Buckets(await StatsAsync(app, $"from={Iso(Ten)}&to={Iso(Ten.AddHours(2))}&interval=1h"));
        // Minutes say 2 + 2 + 1 devices in hour 10; the hour has 4 distinct devices.
        Assert.Equal([(5L, 2L, 4L), (2L, 0L, 2L)], hours.Select(Counts));
    }

    [Fact]
    public async Task Day_buckets_count_distinct_devices_over_the_whole_day()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var days = Buckets(await StatsAsync(app, $"from={Iso(Day1)}&to={Iso(Day2.AddDays(1))}&interval=1d"));

        Assert.Equal([(7L, 2L, 4L), (1L, 0L, 1L)], days.Select(Counts));
        Assert.Equal(3, days[0].GetProperty("devicesEnforced").GetInt64());
        Assert.Equal(1, days[0].GetProperty("devicesReportOnly").GetInt64());
        Assert.Equal(6, days[0].GetProperty("reportsEnforced").GetInt64());
        Assert.Equal(1, days[0].GetProperty("reportsReportOnly").GetInt64());
    }

    [Fact]
    public async Task Grouping_by_version_and_by_hostname_gives_each_group_its_own_distinct_devices()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);
        var query = $"from={Iso(Day1)}&to={Iso(Day2)}&interval=1d";

        var byVersion = await StatsAsync(app, query + "&groupBy=version");
        Assert.Equal(2, byVersion.GetProperty("series").GetArrayLength());
        Assert.Equal((6, 2, 3), Counts(Buckets(byVersion, "version", "3.2.1").Single()));
        Assert.Equal((1, 0, 1), Counts(Buckets(byVersion, "version", "3.2.0").Single()));

        var byHost = await StatsAsync(app, query + "&groupBy=hostname");
        Assert.Equal((4, 2, 3), Counts(Buckets(byHost, "hostname", Api).Single()));
        Assert.Equal((3, 0, 3), Counts(Buckets(byHost, "hostname", Cdn).Single()));

        var byAll = await StatsAsync(app, query + "&groupBy=app,version,platform,hostname");
        Assert.Equal(4, byAll.GetProperty("series").GetArrayLength());
        var android = byAll.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("key").GetProperty("platform").GetString() == "ANDROID");
        Assert.Equal((1, 1, 1), Counts(android.GetProperty("buckets")[0]));
        Assert.Equal(App, android.GetProperty("key").GetProperty("app").GetString());
    }

    [Fact]
    public async Task Grouping_by_diagnosis_matches_the_raw_reports()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var stats = await StatsAsync(app, $"from={Iso(Day1)}&to={Iso(Day2.AddDays(1))}&interval=1d&groupBy=diagnosis");

        foreach (var series in stats.GetProperty("series").EnumerateArray())
        {
            var diagnosis = series.GetProperty("key").GetProperty("diagnosis").GetString();
            var reports = series.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("reports").GetInt64());
            Assert.Equal(await app.CountAsync($"SELECT count(*) FROM reports WHERE diagnosis = '{diagnosis}'"), reports);
        }
        Assert.Equal(8, stats.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("buckets").EnumerateArray()).Sum(b => b.GetProperty("reports").GetInt64()));
    }

    [Fact]
    public async Task Filters_narrow_the_series_and_a_window_without_traffic_is_all_zeros()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var cdn321 = Buckets(await StatsAsync(app, $"from={Iso(Day1)}&to={Iso(Day2)}&interval=1d&hostname={Cdn}&version=3.2.1&platform=ios"));
        Assert.Equal((2, 0, 2), Counts(cdn321.Single()));

        var quiet = await StatsAsync(app, $"from={Iso(Day1.AddHours(2))}&to={Iso(Day1.AddHours(3))}&interval=5m");
        Assert.All(Buckets(quiet), b => Assert.Equal((0, 0, 0), Counts(b)));
        Assert.Equal(12, Buckets(quiet).Count);

        var quietGrouped = await StatsAsync(app, $"from={Iso(Day1.AddHours(2))}&to={Iso(Day1.AddHours(3))}&groupBy=version");
        Assert.Equal(0, quietGrouped.GetProperty("series").GetArrayLength());
    }

    [Fact]
    public async Task Without_activity_the_rate_is_unknown_and_never_invented()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        var stats = await StatsAsync(app, $"from={Iso(Day1)}&to={Iso(Day2)}&interval=1d&groupBy=version");

        foreach (var bucket in stats.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("buckets").EnumerateArray()))
        {
            Assert.False(bucket.GetProperty("rateKnown").GetBoolean());
            Assert.Equal(JsonValueKind.Null, bucket.GetProperty("failureRate").ValueKind);
            Assert.Equal(JsonValueKind.Null, bucket.GetProperty("activeDevices").ValueKind);
        }
    }

    [Fact]
    public async Task With_activity_the_failure_rate_is_distinct_failing_devices_over_active_devices()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);
        await PostActivityAsync(app,
            new { app = App, version = "3.2.1", platform = "IOS", day = Day(Day1), activeDevices = 100 },
            new { app = App, version = "3.2.0", platform = "ios", day = Day(Day1), activeDevices = 10 });
        var query = $"from={Iso(Day1)}&to={Iso(Day2.AddDays(1))}&interval=1d&groupBy=version";

        // 3.2.1 also failed on Android, whose activity is unknown: no rate rather than a wrong one.
        var partial = await StatsAsync(app, query);
        Assert.False(Buckets(partial, "version", "3.2.1")[0].GetProperty("rateKnown").GetBoolean());
        var v320 = Buckets(partial, "version", "3.2.0");
        Assert.Equal(10, v320[0].GetProperty("activeDevices").GetInt64());
        Assert.Equal(0.1, v320[0].GetProperty("failureRate").GetDouble(), 6);
        Assert.False(v320[1].GetProperty("rateKnown").GetBoolean());

        await PostActivityAsync(app,
            new { app = App, version = "3.2.1", platform = "ANDROID", day = Day(Day1), activeDevices = 50 },
            new { app = App, version = "3.2.1", platform = "ANDROID", day = Day(Day2), activeDevices = 0 },
            new { app = App, version = "3.2.1", platform = "IOS", day = Day(Day2), activeDevices = 0 });
        var full = await StatsAsync(app, query);
        var v321 = Buckets(full, "version", "3.2.1");
        Assert.Equal(150, v321[0].GetProperty("activeDevices").GetInt64());
        Assert.Equal(0.02, v321[0].GetProperty("failureRate").GetDouble(), 6);
        Assert.True(v321[0].GetProperty("rateKnown").GetBoolean());
        // Zero active devices: never divide by zero.
        Assert.False(v321[1].GetProperty("rateKnown").GetBoolean());
        Assert.Equal(JsonValueKind.Null, v321[1].GetProperty("failureRate").ValueKind);

        // An upsert replaces the denominator.
        await PostActivityAsync(app, new { app = App, version = "3.2.0", platform = "IOS", day = Day(Day1), activeDevices = 4 });
        Assert.Equal(0.25, Buckets(await StatsAsync(app, query), "version", "3.2.0")[0].GetProperty("failureRate").GetDouble(), 6);

        // Hourly buckets use the day's active devices: hour 10 of 3.2.1 had d1, d2, d4 failing out of 150.
        var hour = Buckets(await StatsAsync(app, $"from={Iso(Ten)}&to={Iso(Ten.AddHours(1))}&interval=1h&version=3.2.1"));
        Assert.Equal(0.02, hour.Single().GetProperty("failureRate").GetDouble(), 6);
    }

    [Fact]
    public async Task Defaults_are_the_last_24_hours_with_an_interval_chosen_from_the_range()
    {
        await using var app = await StartAsync(postgres);
        await PostAsync(app);

        // The clock stands at day 2 00:10: the last 24 h in whole hours is day 1 00:00 to day 2 01:00.
        var stats = await StatsAsync(app, "");

        Assert.Equal("1h", stats.GetProperty("interval").GetString());
        Assert.Equal(25, Buckets(stats).Count);
        Assert.Equal(Day1, stats.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(Day2.AddHours(1), stats.GetProperty("to").GetDateTimeOffset());
        Assert.Equal(8, Buckets(stats).Sum(b => b.GetProperty("reports").GetInt64()));
        Assert.Equal("5m", (await StatsAsync(app, $"from={Iso(Ten)}&to={Iso(Ten.AddHours(3))}")).GetProperty("interval").GetString());
    }
}
