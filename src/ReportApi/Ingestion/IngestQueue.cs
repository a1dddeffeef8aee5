using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace ReportApi.Ingestion;

/// <summary>One request's reports (all-or-nothing) and the promise its HTTP response waits on.</summary>
internal sealed record WriteRequest(IReadOnlyList<IngestRecord> Records)
{
    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Outcome of the transaction that held a request: committed (stored or acknowledged as duplicates) or failed.</summary>
internal sealed record WriteResult(bool Committed, string? Error);

/// <summary>
/// The group-commit queue. Bounded by the number of reports waiting (not requests: an array of 100 weighs 100),
/// so an incident's burst meets a 503 instead of exhausting memory.
/// </summary>
internal sealed class IngestQueue(IOptions<IngestOptions> options)
{
    private readonly Channel<WriteRequest> _channel =
        Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = false });
    private int _pendingReports;

    public int PendingReports => Volatile.Read(ref _pendingReports);
    public ChannelReader<WriteRequest> Reader => _channel.Reader;

    public bool TryEnqueue(WriteRequest request)
    {
        var count = request.Records.Count;
        if (Interlocked.Add(ref _pendingReports, count) > options.Value.QueueCapacity)
        {
            Interlocked.Add(ref _pendingReports, -count);
            return false;
        }
        if (_channel.Writer.TryWrite(request)) return true;
        // The writer was completed: the service is shutting down.
        Interlocked.Add(ref _pendingReports, -count);
        return false;
    }

    public void MarkWritten(int reports) => Interlocked.Add(ref _pendingReports, -reports);

    /// <summary>Stops intake; the writer drains what is queued and then ends.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
