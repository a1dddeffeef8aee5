using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Infrastructure;
using ReportApi.Infrastructure.Sql;
using ReportApi.Observability;

namespace ReportApi.Ingestion;

/// <summary>
/// The group-commit writer (docs/decisions/0001-a-2xx-means-committed.md). It takes whatever requests are queued, up to a batch size, writes
/// them in one transaction (binary COPY into a staging table, then a dedup-aware insert) and completes every
/// waiting request after the commit. Concurrent requests share one commit; nothing is acknowledged before it.
/// </summary>
internal sealed partial class ReportWriter(
    IngestQueue queue, NpgsqlDataSource dataSource, PartitionMaintenance partitions, SeriesCaps seriesCaps, HostKeyHistory history,
    IOptions<IngestOptions> options, TimeProvider time, ILogger<ReportWriter> logger) : BackgroundService
{
    // Fingerprints already committed: chains and pin sets are stored once, and an incident repeats a few of them.
    // Shared by the writer loops; a fingerprint is added only after the commit that stored it.
    private readonly ConcurrentDictionary<string, byte> _storedChains = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _storedPinSets = new(StringComparer.Ordinal);
    private const int MaxRemembered = 100_000;
    private const int MaxAttempts = 3;
    private readonly HostKeyRows _hostKeys = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReportApiTelemetry.PublishZeroes();
        // Several loops, each with its own transaction: one Postgres backend runs a statement on one core, so a single
        // writer caps ingest at what one core can insert while the others idle.
        var loops = Enumerable.Range(0, options.Value.Writers).Select(i => Task.Run(() => WriteLoopAsync((short)i), CancellationToken.None));
        return Task.WhenAll([.. loops, Task.Run(() => ExpireLoopAsync(stoppingToken), CancellationToken.None)]);
    }

    /// <summary>Answers 503 to requests whose commit is not confirmed within Ingest:CommitTimeout (a hung database).</summary>
    private async Task ExpireLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var deadline = time.GetTimestamp() - (long)(options.Value.CommitTimeout.TotalSeconds * time.TimestampFrequency);
                queue.ExpireWaiting(deadline);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the write loops drain what is queued.
        }
    }

    private async Task WriteLoopAsync(short writer)
    {
        // Each loop keeps its connection: returning it to the pool would run DISCARD ALL, which drops the staging
        // temp table and costs more than the batch's COPY (measured: 6 ms of 25 per batch).
        await using var connection = new WriterConnection(dataSource);
        var batch = new List<WriteRequest>();
        // Not cancelled by stoppingToken: on shutdown the queue is completed and this loop drains it first.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            var reports = 0;
            while (reports < options.Value.MaxBatchSize && queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
                reports += request.Records.Count;
            }
            await WriteAndCompleteAsync(connection, batch, reports, writer);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteAndCompleteAsync(WriterConnection connection, List<WriteRequest> batch, int reports, short writer)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var stored = await WriteWithPartitionRetryAsync(connection, batch, writer);
            ReportApiTelemetry.RecordBatch(reports, stored, Stopwatch.GetElapsedTime(started));
            foreach (var request in batch) request.Completion.TrySetResult(WriteResult.Committed);
            LogBatch(reports, stored, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            // Any failure fails the batch, never the loop: an exception escaping a BackgroundService stops the host.
            // The connection may be broken (database restarted): the next batch opens a fresh one.
            await connection.ResetAsync();
            HandleFailure(batch, reports, e);
        }
        finally
        {
            queue.MarkWritten(reports);
        }
    }

    private void HandleFailure(List<WriteRequest> batch, int reports, Exception e)
    {
        ReportApiTelemetry.BatchFailed(reports);
        LogBatchFailed(e, reports);
        foreach (var request in batch) request.Completion.TrySetResult(new WriteResult(WriteOutcome.Failed, e.Message));
    }

    private async Task<int> WriteWithPartitionRetryAsync(WriterConnection connection, List<WriteRequest> batch, short writer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteAsync(await connection.GetAsync(), batch, writer);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation && e.Message.Contains("partition", StringComparison.Ordinal) && attempt < MaxAttempts)
            {
                // No partition for a receive day: the maintenance job has not run yet (or the clock jumped). Create and retry.
                var days = batch.SelectMany(r => r.Records).Select(r => DateOnly.FromDateTime(r.ReceivedAt.UtcDateTime)).Distinct().Order().ToList();
                await partitions.EnsureAsync(days[0], days[^1], CancellationToken.None);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // Concurrent writers upsert the same rollup rows; Postgres aborted this transaction whole, so a retry is safe.
                LogRetry(e.SqlState, attempt);
            }
        }
    }

    private async Task<int> WriteAsync(NpgsqlConnection connection, List<WriteRequest> batch, short writer)
    {
        var newChains = new Dictionary<string, ParsedChain>(StringComparer.Ordinal);
        var newPinSets = new Dictionary<string, PinSet>(StringComparer.Ordinal);
        var now = time.GetUtcNow();

        // Reports resent within one batch share a dedup key; only the first is staged (ON CONFLICT cannot touch a row
        // twice), carrying the number of further copies so the rollups count them as duplicates.
        var unique = new Dictionary<byte[], (IngestRecord Record, int Duplicates)>(ByteArrayComparer.Instance);
        foreach (var request in batch)
        {
            foreach (var record in request.Records)
            {
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(unique, record.DedupKey, out var exists);
                slot = exists ? (slot.Record, slot.Duplicates + 1) : (record, 0);
            }
        }
        var rows = new StagedRows(unique.Count);
        foreach (var (record, duplicates) in unique.Values)
        {
            Remember(newChains, _storedChains, record.Validated);
            if (record.Served is not null) Remember(newChains, _storedChains, record.Served);
            var pinKey = Convert.ToHexString(record.PinSet.Fingerprint);
            if (!_storedPinSets.ContainsKey(pinKey)) newPinSets.TryAdd(pinKey, record.PinSet);
            rows.Add(record, duplicates);
        }

        // One round trip for the whole batch: new chains and pin sets, new series (within the per-hour caps), then the
        // reports with their dedup claims, minute rollups and network sets. BEGIN travels with it; COMMIT is the second and last round trip.
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var statements = new NpgsqlBatch(connection, transaction))
        {
            AddReferences(statements, newChains.Values, newPinSets.Values, now);
            // The key history (issue 13): a statement only when the batch holds a host chain not recorded lately.
            // Filtered before anything is allocated: in the steady state every host chain of a batch is remembered.
            var hostKeys = _hostKeys.Collect(unique.Values.Select(u => u.Record)
                .Where(r => r.HostChain is { Count: > 0 } && _hostKeys.IsDue(r.Report.NotedHostname, r.Validated.Fingerprint, now))
                .Select(r => new HostKeyRows.Seen(r.Report.NotedHostname, r.Validated, r.Served, r.HostChain, r.ReceivedAt)), now);
            if (hostKeys is not null) statements.BatchCommands.Add(hostKeys.Command);
            var series = new NpgsqlBatchCommand(IngestSql.InsertSeries);
            seriesCaps.AddParameters(series.Parameters, now);
            rows.AddSeriesParameters(series.Parameters);
            statements.BatchCommands.Add(series);
            var insert = new NpgsqlBatchCommand(IngestSql.InsertFresh);
            rows.AddParameters(insert.Parameters, writer);
            statements.BatchCommands.Add(insert);
            await using var reader = await statements.ExecuteReaderAsync();
            // Two result sets: the series caps' refusals, then InsertFresh's count (the reference inserts return none).
            await reader.ReadAsync();
            seriesCaps.Observe(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            await reader.NextResultAsync();
            await reader.ReadAsync();
            var stored = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            await reader.DisposeAsync();
            await DeferredDiagnosisStore.RecordAsync(connection, transaction, batch, now);
            await transaction.CommitAsync();

            if (_storedChains.Count > MaxRemembered) _storedChains.Clear();
            if (_storedPinSets.Count > MaxRemembered) _storedPinSets.Clear();
            foreach (var key in newChains.Keys) _storedChains.TryAdd(key, 0);
            foreach (var key in newPinSets.Keys) _storedPinSets.TryAdd(key, 0);
            if (hostKeys is not null) _hostKeys.Committed(hostKeys, now, history);
            return stored;
        }
    }

    private static void Remember(Dictionary<string, ParsedChain> pending, ConcurrentDictionary<string, byte> stored, ParsedChain chain)
    {
        var key = chain.FingerprintHex;
        if (!stored.ContainsKey(key)) pending.TryAdd(key, chain);
    }

    private static void AddReferences(NpgsqlBatch batch, IEnumerable<ParsedChain> chains, IEnumerable<PinSet> pinSets, DateTimeOffset now)
    {
        foreach (var chain in chains)
        {
            var leaf = chain.Leaf;
            var certificates = chain.Certificates.Select(StoredCertificate.From).ToArray();
            var insert = new NpgsqlBatchCommand(IngestSql.InsertChain);
            insert.Parameters.Arg(chain.Fingerprint).Arg(chain.Certificates.Count)
                .Arg<string>(JsonSerializer.Serialize(certificates, DataJsonContext.Default.StoredCertificateArray), NpgsqlDbType.Jsonb)
                .Arg(leaf?.Subject).Arg(leaf?.Issuer).Arg(leaf?.SpkiSha256).Arg(leaf?.NotAfter).Arg(now);
            batch.BatchCommands.Add(insert);
        }
        foreach (var pinSet in pinSets)
        {
            var insert = new NpgsqlBatchCommand(IngestSql.InsertPinSet);
            insert.Parameters.Arg(pinSet.Fingerprint).Arg(pinSet.Pins).Arg(pinSet.Sha256Pins).Arg(pinSet.MalformedCount).Arg(now);
            batch.BatchCommands.Add(insert);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed batch of {Reports} reports ({Stored} stored) in {ElapsedMs} ms")]
    private partial void LogBatch(int reports, int stored, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch retried after {SqlState} (attempt {Attempt})")]
    private partial void LogRetry(string sqlState, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch of {Reports} reports failed; their requests get 503")]
    private partial void LogBatchFailed(Exception exception, int reports);
}
