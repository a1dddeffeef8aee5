using ReportApi.Alerting;
using ReportApi.Alerting.Backtesting;
using ReportApi.Domain.Alerting;

namespace ReportApi.Tests.Alerting;

/// <summary>
/// Issue #19: the in-memory backtest counts windows with sliding unions instead of <c>count(DISTINCT)</c>. Here they are
/// held to a brute-force recount of every asked window over random minute sets (several seeds): members repeating
/// across minutes and windows and within a minute, minutes without rows, series that start late, the '(other)' overflow
/// and hostnames differing in case, and windows that share minutes or not. <see cref="BacktestEngineTests"/> holds the
/// same counts to the SQL over a real database.
/// </summary>
public sealed class WindowCountsTests
{
    private static readonly (int Id, string App, string Version, string Host)[] Series =
    [
        (1, "com.a", "1.0", "api.example.com"), (2, "com.a", "1.0", "cdn.example.com"), (3, "com.a", "2.0", "api.example.com"),
        (4, "com.b", "1.0", "api.example.com"), (5, "com.a", "1.0", "api.example.com"), // a second diagnosis of series 1
        (6, "com.a", "(other)", "api.example.com"), (7, "com.a", "2.0", "API.example.com"), (8, "com.a", "2.0", ""),
    ];

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(3, 1)]
    [InlineData(4, 3)]
    [InlineData(5, 7)]
    [InlineData(6, 12)]
    public void Sliding_unions_count_exactly_what_a_recount_of_each_window_counts(int seed, int window)
    {
        var rng = new Random(seed);
        var groups = SeriesGroups.From(Series);
        const long start = 29_000_000; // a minute number in 2025
        var rows = new List<(long Minute, int Series, long Member)>();
        for (var minute = start; minute < start + 300; minute++)
        {
            if (rng.Next(4) == 0) continue; // a minute without rows
            foreach (var (id, _, _, _) in Series)
            {
                if (id == 4 && minute < start + 150) continue; // a series that appears mid-run
                for (var n = rng.Next(0, 6); n > 0; n--) rows.Add((minute, id, rng.Next(0, 25))); // repeats within and across minutes
            }
        }
        rows = [.. rows.OrderBy(r => r.Minute).ThenBy(_ => rng.Next())]; // minute order, any order within a minute
        // Ends: a dense run (windows sharing minutes), isolated ends (spans of their own), ends before the first row and after the last.
        var ends = new HashSet<long>();
        for (var e = start + 40; e < start + 100; e++) ends.Add(e);
        for (var i = 0; i < 40; i++) ends.Add(start - 10 + rng.Next(330));

        var builder = new WindowCounts.Builder(groups, window, ends);
        foreach (var (minute, series, member) in rows) builder.Add(minute, series, member);
        var counts = builder.Finish();

        var checkedNonZero = 0;
        foreach (var end in ends)
        {
            for (var g = 0; g < groups.Count; g++)
            {
                var expected = rows.Where(r => r.Minute >= end - window && r.Minute < end && groups.Of(r.Series).Contains(g))
                    .Select(r => r.Member).Distinct().Count();
                Assert.True(expected == counts.Count(g, end), $"seed {seed}, end {end - start}, group {groups.KeyOf(g)}: {counts.Count(g, end)} != {expected}");
                if (expected > 0) checkedNonZero++;
            }
            Assert.Equal(counts.At(end).Select(c => c.Group), counts.At(end).Select(c => c.Group).Order());
            Assert.All(counts.At(end), c => Assert.True(c.Count > 0));
        }
        Assert.True(checkedNonZero > ends.Count, "the random traffic should fill most windows");
    }

    [Fact]
    public void A_minute_is_in_the_windows_ending_after_it_and_at_most_a_window_later()
    {
        var groups = SeriesGroups.From([(1, "com.a", "1.0", "api.example.com")]);
        var ends = Enumerable.Range(0, 12).Select(i => 100L + i).ToList();
        var builder = new WindowCounts.Builder(groups, 5, ends);
        builder.Add(104, 1, 7); // only minute 104 has a row
        var counts = builder.Finish();
        var host = groups.Of(SeriesKey.ForHost("api.example.com")).Single();
        // [end − 5, end) holds 104 for ends 105..109: not at 104 (the window stops before it), not at 110 (it starts after).
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0], ends.Select(e => counts.Count(host, e)));
    }

    [Fact]
    public void Groups_are_the_evaluator_levels_with_the_same_keys_and_out_of_order_rows_are_refused()
    {
        var groups = SeriesGroups.From(Series);
        var keys = Enumerable.Range(0, groups.Count).Select(g => groups.KeyOf(g).ToString()).ToList();
        // Overflow and empty components make no key; 'API.example.com' is its own group under the folded key.
        Assert.DoesNotContain(keys, k => k.Contains("(other)", StringComparison.Ordinal));
        Assert.Equal(2, groups.Of(SeriesKey.ForHost("api.example.com")).Length);
        Assert.Single(groups.Of(6)); // series 6 ('(other)' version): only its host group
        Assert.Single(groups.Of(8)); // no host: only its version group
        Assert.Equal(groups.Of(1), groups.Of(5)); // two diagnoses of one series share every group
        Assert.Equal(SeriesObservations.Key("version-host", "com.a", "2.0", "API.example.com"), SeriesKey.ForVersionHost("com.a", "2.0", "api.example.com"));

        var builder = new WindowCounts.Builder(groups, 5, [10, 20]);
        builder.Add(12, 1, 1);
        Assert.Throws<InvalidOperationException>(() => builder.Add(11, 1, 1));
        // The minutes to read: each end's window, merged where windows overlap or touch.
        Assert.Equal([(5L, 11L)], WindowCounts.Spans([10, 12, 11], 5));
        Assert.Equal([(5L, 14L)], WindowCounts.Spans([10, 15], 5));
        Assert.Equal([(5L, 9L), (16L, 20L)], WindowCounts.Spans([21, 10], 5));
    }
}
