using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace ReportApi.Ingestion;

/// <summary>
/// One request's reports (all-or-nothing) and the promise its HTTP response waits on: one completion per request, set
/// once by whichever comes first, the writer after its transaction or the queue's deadline sweep.
/// </summary>
internal sealed record WriteRequest(IReadOnlyList<IngestRecord> Records, long EnqueuedAt)
{
    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>How the transaction that held a request ended, as far as the request can know.</summary>
internal enum WriteOutcome { Committed, Failed, TimedOut }

/// <summary>Outcome of a request: committed (stored or acknowledged as duplicates), failed, or not confirmed in time.</summary>
internal sealed record WriteResult(WriteOutcome Outcome, string? Error)
{
    public static readonly WriteResult Committed = new(WriteOutcome.Committed, null);
    public static readonly WriteResult TimedOut = new(WriteOutcome.TimedOut, "commit not confirmed in time");
}

/// <summary>
/// The group-commit queue. Bounded by the number of reports waiting (not requests: an array of 100 weighs 100),
/// so an incident's burst meets a 503 instead of exhausting memory.
/// </summary>
internal sealed class IngestQueue(IOptions<IngestOptions> options)
{
    private readonly Channel<WriteRequest> _channel =
        Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = false });
    // Every request not yet answered, in enqueue order (so oldest first): the deadline sweep walks it from the head
    // instead of each request arming a timer of its own (Task.WaitAsync with a timeout costs a timer per request).
    private readonly ConcurrentQueue<WriteRequest> _waiting = new();
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
        if (_channel.Writer.TryWrite(request))
        {
            _waiting.Enqueue(request);
            return true;
        }
        // The writer was completed: the service is shutting down.
        Interlocked.Add(ref _pendingReports, -count);
        return false;
    }

    public void MarkWritten(int reports) => Interlocked.Add(ref _pendingReports, -reports);

    /// <summary>
    /// Answers every request enqueued before <paramref name="deadline"/> that is still waiting: its commit was not
    /// confirmed in time (Ingest:CommitTimeout), so it gets 503. The writer may still commit it later; the client's
    /// resend is then a duplicate. Called from one loop only.
    /// </summary>
    public int ExpireWaiting(long deadline)
    {
        var expired = 0;
        while (_waiting.TryPeek(out var head))
        {
            if (!head.Completion.Task.IsCompleted)
            {
                if (head.EnqueuedAt > deadline) break;
                if (head.Completion.TrySetResult(WriteResult.TimedOut)) expired++;
            }
            _waiting.TryDequeue(out _);
        }
        return expired;
    }

    /// <summary>Stops intake; the writer drains what is queued and then ends.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
