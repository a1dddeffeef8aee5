using Npgsql;
using NpgsqlTypes;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.Stats;

/// <summary>One bucket as the reader hands it to a sink (a struct: a month by five dimensions is 7,200 of them).</summary>
internal readonly record struct BucketValues(
    long StartTicks, long Reports, long Duplicates, long ReportsEnforced, long ReportsReportOnly,
    long Devices, long DevicesEnforced, long DevicesReportOnly, long? ActiveDevices)
{
    public DateTimeOffset Start => new(StartTicks, TimeSpan.Zero);

    /// <summary>Never divide by zero and never invent a rate: zero or unknown active devices means the rate is unknown.</summary>
    public bool RateKnown => ActiveDevices > 0;

    public double? FailureRate => RateKnown ? Math.Round((double)Devices / ActiveDevices!.Value, 6) : null;
}

/// <summary>Receives the answer of <see cref="FailureStatsReader"/> in order: start, then per group its key and every bucket.</summary>
internal interface IFailureStatsSink
{
    void Start(StatsRequest request);

    void BeginSeries(StatsRequest request, string?[] key);

    void Bucket(in BucketValues bucket);

    void EndSeries();

    void End();

    /// <summary>Between series: a streaming sink hands what it has to the client.</summary>
    ValueTask FlushAsync(CancellationToken ct);
}

/// <summary>
/// Runs <see cref="StatsSql.Failures"/> (sparse: non-empty buckets and known denominators, ordered by group and time)
/// and zero-fills every bucket of every group while it reads, one group buffered at a time, so the answer is never
/// built as objects for the HTTP response (issue #12: 7,200 zero-filled rows from SQL plus their objects and the
/// reflection serialiser cost more than the counts).
/// </summary>
internal static class FailureStatsReader
{
    public static async Task ReadAsync(NpgsqlDataSource dataSource, StatsRequest request, IFailureStatsSink sink, CancellationToken ct)
    {
        var columns = request.GroupBy.Select(d => d.Column).ToList();
        await using var command = dataSource.CreateCommand(StatsSql.Failures(columns));
        command.Parameters.Arg(request.From).Arg(request.To).Arg(request.Interval.Step);
        foreach (var dimension in StatsDimension.All)
        {
            command.Parameters.Arg<string?>(request.Filters.TryGetValue(dimension, out var value) ? value : null, NpgsqlDbType.Text);
        }
        command.Parameters.Arg<string>(request.Interval.Grain, NpgsqlDbType.Text).Arg(StatsSql.Mask(columns), NpgsqlDbType.Integer);

        await using var reader = await command.ExecuteReaderAsync(ct);
        var at = new Ordinals(reader, columns);
        // The first row (or the end) is read before the sink starts: a failing query never leaves a half-written answer.
        var more = await reader.ReadAsync(ct);
        sink.Start(request);

        var group = new Group(request, columns.Count);
        var key = new string?[columns.Count];
        var emitted = 0;
        while (more)
        {
            for (var i = 0; i < key.Length; i++) key[i] = reader.GetString(at.Keys[i]) is { Length: > 0 } v ? v : null;
            if (group.Started && !key.AsSpan().SequenceEqual(group.Key))
            {
                if (group.Emit(sink)) emitted++;
                await sink.FlushAsync(ct);
                group.Reset();
            }
            if (!group.Started) group.Begin(key);
            var time = reader.GetFieldValue<DateTimeOffset>(at.Time).UtcTicks;
            if (reader.GetInt32(at.Kind) == 0)
            {
                group.Counts.Add(new BucketValues(time, reader.GetInt64(at.Reports), reader.GetInt64(at.Duplicates),
                    reader.GetInt64(at.ReportsEnforced), reader.GetInt64(at.ReportsReportOnly), reader.GetInt64(at.Devices),
                    reader.GetInt64(at.DevicesEnforced), reader.GetInt64(at.DevicesReportOnly), null));
            }
            else
            {
                group.Active.Add((time, reader.GetInt64(at.Active)));
            }
            more = await reader.ReadAsync(ct);
        }
        if (group.Started && group.Emit(sink)) emitted++;
        // Without groupBy there is always one series, all zeros when nothing failed.
        if (columns.Count == 0 && emitted == 0)
        {
            group.Reset();
            group.Begin(key);
            group.Emit(sink);
        }
        sink.End();
        await sink.FlushAsync(ct);
    }

    /// <summary>
    /// The answer's columns, looked up by name once per query (a month by five dimensions is thousands of rows; the
    /// lookup per row would cost more than the read).
    /// </summary>
    private sealed class Ordinals(NpgsqlDataReader reader, IReadOnlyList<string> keyColumns)
    {
        public readonly int Kind = reader.GetOrdinal("kind"), Time = reader.GetOrdinal("t");
        public readonly int[] Keys = [.. keyColumns.Select(reader.GetOrdinal)];
        public readonly int Reports = reader.GetOrdinal("reports"), Duplicates = reader.GetOrdinal("duplicates");
        public readonly int ReportsEnforced = reader.GetOrdinal("reports_enforced"), ReportsReportOnly = reader.GetOrdinal("reports_report_only");
        public readonly int Devices = reader.GetOrdinal("devices"), DevicesEnforced = reader.GetOrdinal("devices_enforced");
        public readonly int DevicesReportOnly = reader.GetOrdinal("devices_report_only"), Active = reader.GetOrdinal("active");
    }

    /// <summary>The rows of one group: its non-empty buckets and its known denominators per day, both in time order.</summary>
    private sealed class Group(StatsRequest request, int keyLength)
    {
        public readonly List<BucketValues> Counts = [];
        public readonly List<(long DayTicks, long Active)> Active = [];
        public string?[] Key { get; private set; } = new string?[keyLength];
        public bool Started { get; private set; }

        public void Begin(string?[] key)
        {
            Key = (string?[])key.Clone();
            Started = true;
        }

        public void Reset()
        {
            Counts.Clear();
            Active.Clear();
            Started = false;
        }

        /// <summary>
        /// Every bucket of the range, zero where the group had nothing, with its day's denominator. A group is a group
        /// because it has counts; without groupBy the one series is always there.
        /// </summary>
        public bool Emit(IFailureStatsSink sink)
        {
            if (Counts.Count == 0 && keyLength > 0) return false;
            sink.BeginSeries(request, Key);
            var step = request.Interval.Step.Ticks;
            int c = 0, a = 0;
            for (var t = request.From.UtcTicks; t < request.To.UtcTicks; t += step)
            {
                var day = t - t % TimeSpan.TicksPerDay;
                while (a < Active.Count && Active[a].DayTicks < day) a++;
                long? active = a < Active.Count && Active[a].DayTicks == day ? Active[a].Active : null;
                while (c < Counts.Count && Counts[c].StartTicks < t) c++;
                var bucket = c < Counts.Count && Counts[c].StartTicks == t
                    ? Counts[c++] with { ActiveDevices = active }
                    : new BucketValues(t, 0, 0, 0, 0, 0, 0, 0, active);
                sink.Bucket(bucket);
            }
            sink.EndSeries();
            return true;
        }
    }
}
