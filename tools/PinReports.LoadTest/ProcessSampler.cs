using System.Globalization;

namespace PinReports.LoadTest;

/// <summary>
/// Samples the service process every 250 ms from procfs: <c>VmRSS</c> of <c>/proc/P/status</c> (peak kept) and its CPU
/// time from <c>/proc/P/stat</c>; plus snapshots of the machine's CPU counters (<c>/proc/stat</c>) so the summary can
/// say how busy the box was (the service, Postgres and this tool share it).
/// </summary>
internal sealed class ProcessSampler : IAsyncDisposable
{
    private static readonly double ClockTicksPerSecond = 100; // USER_HZ; 100 on every Linux we run on
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakRssKb;
    private long _lastRssKb;

    public ProcessSampler(int pid)
    {
        _pid = pid;
        if (ReadRssKb() is null) throw new InvalidOperationException($"cannot read /proc/{pid}/status (is the service running?)");
        _loop = Task.Run(LoopAsync);
    }

    public int Pid => _pid;
    public long PeakRssKb => Interlocked.Read(ref _peakRssKb);
    public long LastRssKb => Interlocked.Read(ref _lastRssKb);
    public int Samples { get; private set; }
    public bool ProcessExited { get; private set; }

    /// <summary>CPU seconds (user + system) the service has used so far, or null if it is gone.</summary>
    public double? CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_pid}/stat");
            // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        do
        {
            var rss = ReadRssKb();
            if (rss is null)
            {
                ProcessExited = true;
                return;
            }

            Interlocked.Exchange(ref _lastRssKb, rss.Value);
            if (rss.Value > PeakRssKb) Interlocked.Exchange(ref _peakRssKb, rss.Value);
            Samples++;
        }
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false) is true);
    }

    private long? ReadRssKb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }

            return null; // a zombie has no VmRSS
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}

/// <summary>Whole-machine CPU counters from <c>/proc/stat</c> and the load average.</summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    public static MachineCpu Read()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First(); // "cpu  user nice system idle iowait irq softirq steal ..."
            var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + values[4];
            var total = values.Sum();
            return new MachineCpu(total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return default;
        }
    }

    /// <summary>Busy share of all cores between two snapshots, 0..1.</summary>
    public static double BusyShare(MachineCpu from, MachineCpu to) =>
        to.Total - from.Total <= 0 ? 0 : (double)(to.Busy - from.Busy) / (to.Total - from.Total);

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
