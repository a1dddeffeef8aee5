using System.Runtime.InteropServices;

namespace ReportApi.Alerting.Backtesting;

/// <summary>
/// Exact distinct counts of a sliding window of whole minutes over per-minute sets, for many groups at once: per group
/// a map member → rows of it in the window, so a member seen in several minutes (or several rows of one minute) counts
/// once and leaves the count only when its last row leaves the window. <c>count(DISTINCT …)</c> of
/// <see cref="AlertingSql.BaselineDevicesAt"/> over <c>[end − window, end)</c>, kept up to date minute by minute
/// instead of re-read for every window end (issue #19: the backtest's speed).
/// </summary>
/// <remarks>
/// Memory: the window's rows (a ring of <paramref name="window"/> minute lists) and one map entry per distinct member of
/// each group in the window; nothing grows with the length of the stream.
/// </remarks>
internal sealed class SlidingUnion(int groups, int window)
{
    private readonly Dictionary<long, int>[] _members = [.. Enumerable.Range(0, groups).Select(_ => new Dictionary<long, int>())];
    private readonly List<(int Group, long Member)>[] _ring = [.. Enumerable.Range(0, window).Select(_ => new List<(int, long)>())];
    private readonly HashSet<int> _nonEmpty = [];
    private long _minute;
    private bool _started;

    /// <summary>The minute rows are added to; the window then is [<see cref="Minute"/> − window + 1, <see cref="Minute"/>].</summary>
    public long Minute => _minute;

    /// <summary>Groups with at least one member in the window.</summary>
    public IReadOnlyCollection<int> NonEmpty => _nonEmpty;

    /// <summary>Moves to a later minute (minutes without rows in between are simply empty): the minutes that leave the window leave the counts.</summary>
    public void MoveTo(long minute)
    {
        if (_started && minute < _minute) throw new ArgumentOutOfRangeException(nameof(minute), "minutes must come in order");
        if (!_started || minute - _minute >= window)
        {
            Clear();
            _started = true;
            _minute = minute;
            return;
        }
        while (_minute < minute)
        {
            _minute++;
            // The slot of the new minute holds the minute one window earlier: the one leaving.
            var leaving = _ring[Slot(_minute)];
            foreach (var (group, member) in leaving) Remove(group, member);
            leaving.Clear();
        }
    }

    /// <summary>Adds a row of the current minute.</summary>
    public void Add(int group, long member)
    {
        ref var rows = ref CollectionsMarshal.GetValueRefOrAddDefault(_members[group], member, out _);
        rows++;
        if (_members[group].Count == 1) _nonEmpty.Add(group);
        _ring[Slot(_minute)].Add((group, member));
    }

    public int Distinct(int group) => _members[group].Count;

    private void Remove(int group, long member)
    {
        var members = _members[group];
        ref var rows = ref CollectionsMarshal.GetValueRefOrNullRef(members, member);
        if (--rows > 0) return;
        members.Remove(member);
        if (members.Count == 0) _nonEmpty.Remove(group);
    }

    private void Clear()
    {
        foreach (var group in _nonEmpty) _members[group].Clear();
        _nonEmpty.Clear();
        foreach (var slot in _ring) slot.Clear();
    }

    private int Slot(long minute) => (int)(((minute % window) + window) % window);
}
