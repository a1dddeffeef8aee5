using Microsoft.Extensions.Options;
using ReportApi.Diagnosis;

namespace ReportApi.Ingestion;

/// <summary>
/// Fills in the diagnoses that ingest deferred (issue 21): claims the oldest backlog rows, diagnoses each stored report
/// the way <c>GET /v1/reports/{id}</c> does (the same pure function on the stored chain and report), writes the code
/// into <c>reports</c>, moves the report's rollup counts from <c>unknown</c> to that code (<see cref="RollupMove"/>) and
/// removes the rows, in one transaction. One report at a time, each in a slot of the
/// <see cref="NewChainLane"/>: during a flood the pass shares the slow path's CPU bound (and waits while the lane is
/// busy) instead of taking a core of its own. Woken by a deferral, and polls in case another replica deferred.
/// </summary>
internal sealed partial class DeferredDiagnosisPass(
    DeferredDiagnosisStore store, IStoredVerdicts queries, NewChainLane lane, DeferredDiagnosisSignal signal, IOptions<NewChainOptions> options,
    ILogger<DeferredDiagnosisPass> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        NewChainTelemetry.PublishZeroes();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(options.Value.DeferredPollInterval, stoppingToken);
                // Let the writer commit the batch that woke us.
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                while (await RunBatchAsync(stoppingToken) == options.Value.DeferredBatchSize) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be down: the rows stay in the backlog and the next round retries them.
                LogFailed(e);
                await Task.Delay(options.Value.DeferredPollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One batch: returns the number of backlog rows handled.</summary>
    internal async Task<int> RunBatchAsync(CancellationToken ct)
    {
        // Read without locking, diagnose (waiting for lane slots), then write in one short transaction: no transaction
        // stays open while a flood keeps the lane busy. Replicas may diagnose the same rows twice; the result is the same
        // pure function of stored data and the update only touches reports still marked unknown.
        var claimed = await store.ClaimAsync(options.Value.DeferredBatchSize, ct);
        if (claimed.Count == 0) return 0;

        var ids = new List<Guid>();
        var receivedAt = new List<DateTimeOffset>();
        var codes = new List<string>();
        foreach (var (id, at) in claimed)
        {
            // Null: the report is gone (retention dropped its partition); its row is simply removed.
            if (await lane.RunInSlotAsync(() => queries.FindVerdictAsync(id, ct), ct) is not { } stored) continue;
            ids.Add(id);
            receivedAt.Add(at);
            codes.Add(stored.Verdict.CodeWire);
        }

        await store.FillAsync(ids, receivedAt, codes, claimed.Select(c => c.Id), ct);
        NewChainTelemetry.FilledIn(ids.Count);
        return claimed.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deferred diagnosis pass failed; the backlog is retried at the next round")]
    private partial void LogFailed(Exception exception);
}
