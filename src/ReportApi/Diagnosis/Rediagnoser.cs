using System.Globalization;

namespace ReportApi.Diagnosis;

/// <summary>
/// Re-runs the diagnosis over stored reports (after a rule change, or to apply a key history learned later), oldest
/// first, in batches. Each batch is one transaction: the reports whose code changed, their rollup counts
/// (<see cref="Rollups.RollupMove"/>), the keys of their host chains (so the history also fills from reports stored before it
/// existed), and the run's cursor. Idempotent (a second run over the same data changes nothing) and resumable (an
/// interrupted run continues after its last committed batch).
/// </summary>
internal sealed class Rediagnoser(RediagnoseStore store, IStoredVerdicts queries, HostKeyHistory history, TimeProvider time)
{
    public async Task<RediagnoseResult> RunAsync(RediagnoseRequest request, TextWriter progress, CancellationToken ct)
    {
        var hostKeys = new HostKeyRows();
        var run = await store.StartAsync(request, time.GetUtcNow(), ct);
        if (run.Processed > 0)
        {
            await progress.WriteLineAsync(Invariant($"rediagnose: resuming after {run.Processed} report(s) ({run.Changed} changed), at {run.ReceivedAt:O}"));
        }

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var items = await queries.RangeAsync(request.From, request.To, run.ReceivedAt, run.Id, request.BatchSize, ct);
            var last = items.Count < request.BatchSize;
            var now = time.GetUtcNow();
            var keys = hostKeys.Collect(
                items.Select(i => new HostKeyRows.Seen(i.NotedHostname, i.Validated, i.Served, i.Verdict.HostChain, i.ReceivedAt)),
                now);
            var next = items.Count > 0 ? run with { ReceivedAt = items[^1].ReceivedAt, Id = items[^1].Id, Processed = run.Processed + items.Count } : run;
            var (changed, moved) = await store.ApplyAsync(request, items, keys?.Command, next, last, now, ct);
            run = next with { Changed = next.Changed + changed };
            if (keys is not null) hostKeys.Committed(keys, now, history);
            if (items.Count > 0)
            {
                await progress.WriteLineAsync(Invariant(
                    $"rediagnose: {run.Processed} report(s) diagnosed, {run.Changed} changed ({moved} rollup move(s) in this batch), up to {run.ReceivedAt:O}"));
            }

            if (last) return new RediagnoseResult(run.Processed, run.Changed);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
