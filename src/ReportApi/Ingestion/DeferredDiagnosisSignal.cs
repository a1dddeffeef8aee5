namespace ReportApi.Ingestion;

/// <summary>Ingest's "a report was deferred" to the background pass of the same host: run soon instead of at the next poll.</summary>
internal sealed class DeferredDiagnosisSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        if (_signal.CurrentCount > 0) return;
        try { _signal.Release(); } catch (SemaphoreFullException) { } // another deferral woke it first
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
