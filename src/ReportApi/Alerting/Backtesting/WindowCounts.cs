using Npgsql;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Distinct members (devices or networks) per series group in the window of <c>window</c> minutes ending at each of a
/// set of window ends, counted by one ordered pass over the minute sets (<see cref="SlidingUnion"/>). Only groups with
/// members are kept per end, in group order, so memory is the ends × the groups failing at each.
/// </summary>
internal sealed class WindowCounts
{
    private readonly Dictionary<long, (int[] Groups, int[] Counts)> _byEnd = [];

    /// <summary>Ends are whole minutes, numbered from 0001-01-01 (<see cref="MinuteOf"/>).</summary>
    public static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    public static DateTimeOffset TimeOf(long minute) => new(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

    /// <summary>The count of a group in the window ending at <paramref name="end"/>; 0 when it had no rows there (or the end was not asked for).</summary>
    public int Count(int group, long end)
    {
        if (!_byEnd.TryGetValue(end, out var counts)) return 0;
        var i = Array.BinarySearch(counts.Groups, group);
        return i >= 0 ? counts.Counts[i] : 0;
    }

    /// <summary>The groups with members in the window ending at <paramref name="end"/>, and their counts.</summary>
    public IEnumerable<(int Group, int Count)> At(long end) =>
        _byEnd.TryGetValue(end, out var counts) ? counts.Groups.Zip(counts.Counts) : [];

    /// <summary>Retained (group, end) counts: the memory that grows with the span (8 bytes each).</summary>
    public long Entries => _byEnd.Values.Sum(c => (long)c.Groups.Length);

    /// <summary>
    /// The minute ranges [first, last] whose rows the windows ending at <paramref name="ends"/> read: each end's window,
    /// merged where they overlap or touch. Minutes outside every range are in no window asked for.
    /// </summary>
    public static List<(long First, long Last)> Spans(IEnumerable<long> ends, int window)
    {
        var spans = new List<(long First, long Last)>();
        foreach (var end in ends.Distinct().Order())
        {
            var (first, last) = (end - window, end - 1);
            if (spans.Count > 0 && first <= spans[^1].Last + 1) spans[^1] = (spans[^1].First, last);
            else spans.Add((first, last));
        }
        return spans;
    }

    /// <summary>Counts from rows given in minute order (ties in any order); rows of minutes in no asked window are skipped.</summary>
    public sealed class Builder(SeriesGroups groups, int window, IEnumerable<long> ends)
    {
        private readonly WindowCounts _result = new();
        private readonly SlidingUnion _union = new(groups.Count, window);
        private readonly long[] _ends = [.. ends.Distinct().Order()];
        private int _next;
        private long _last = long.MinValue;

        public void Add(long minute, int seriesId, long member)
        {
            if (minute < _last) throw new InvalidOperationException($"rows must come in minute order ({TimeOf(minute):u} after {TimeOf(_last):u})");
            _last = minute;
            RecordUpTo(minute);
            var of = groups.Of(seriesId);
            if (of.Length == 0) return;
            _union.MoveTo(minute);
            foreach (var group in of) _union.Add(group, member);
        }

        public WindowCounts Finish()
        {
            RecordUpTo(long.MaxValue);
            return _result;
        }

        // Every end up to the minute of the next row: its window [end − window, end) is complete.
        private void RecordUpTo(long minute)
        {
            while (_next < _ends.Length && _ends[_next] <= minute)
            {
                var end = _ends[_next++];
                _union.MoveTo(Math.Max(end - 1, _union.Minute));
                var nonEmpty = _union.NonEmpty.Order().ToArray();
                if (nonEmpty.Length > 0) _result._byEnd[end] = (nonEmpty, [.. nonEmpty.Select(_union.Distinct)]);
            }
        }
    }

    /// <summary>Streams the rows of <paramref name="sql"/> (bucket, series id, member; $1 ≤ bucket &lt; $2, in bucket order) for every span the ends need.</summary>
    public static async Task<WindowCounts> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, SeriesGroups groups,
        int window, IReadOnlyCollection<long> ends, CancellationToken ct)
    {
        var builder = new Builder(groups, window, ends);
        foreach (var (first, last) in Spans(ends, window))
        {
            await BacktestStore.ReadRowsAsync(connection, transaction, sql, TimeOf(first), TimeOf(last + 1), builder.Add, ct);
        }
        return builder.Finish();
    }
}
