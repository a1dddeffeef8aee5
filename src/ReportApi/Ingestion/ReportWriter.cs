using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Domain.Certificates;
using ReportApi.Domain.Reports;
using ReportApi.Observability;

namespace ReportApi.Ingestion;

/// <summary>
/// The group-commit writer (design decision 1). It takes whatever requests are queued, up to a batch size, writes
/// them in one transaction (binary COPY into a staging table, then a dedup-aware insert) and completes every
/// waiting request after the commit. Concurrent requests share one commit; nothing is acknowledged before it.
/// </summary>
internal sealed partial class ReportWriter(
    IngestQueue queue, NpgsqlDataSource dataSource, PartitionMaintenance partitions, SeriesCaps seriesCaps,
    IOptions<IngestOptions> options, TimeProvider time, ILogger<ReportWriter> logger) : BackgroundService
{
    // Fingerprints already committed: chains and pin sets are stored once, and an incident repeats a few of them.
    // Shared by the writer loops; a fingerprint is added only after the commit that stored it.
    private readonly ConcurrentDictionary<string, byte> _storedChains = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _storedPinSets = new(StringComparer.Ordinal);
    private const int MaxRemembered = 100_000;
    private const int MaxAttempts = 3;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReportApiTelemetry.PublishZeroes();
        // Several loops, each with its own transaction: one Postgres backend runs a statement on one core, so a single
        // writer caps ingest at what one core can insert while the others idle.
        return Task.WhenAll(Enumerable.Range(0, options.Value.Writers).Select(_ => Task.Run(WriteLoopAsync, CancellationToken.None)));
    }

    private async Task WriteLoopAsync()
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
            await WriteAndCompleteAsync(connection, batch, reports);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteAndCompleteAsync(WriterConnection connection, List<WriteRequest> batch, int reports)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var stored = await WriteWithPartitionRetryAsync(connection, batch);
            ReportApiTelemetry.RecordBatch(reports, stored, Stopwatch.GetElapsedTime(started));
            foreach (var request in batch) request.Completion.TrySetResult(new WriteResult(true, null));
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
        foreach (var request in batch) request.Completion.TrySetResult(new WriteResult(false, e.Message));
    }

    private async Task<int> WriteWithPartitionRetryAsync(WriterConnection connection, List<WriteRequest> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteAsync(await connection.GetAsync(), batch);
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

    private async Task<int> WriteAsync(NpgsqlConnection connection, List<WriteRequest> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        var newChains = new Dictionary<string, ParsedChain>(StringComparer.Ordinal);
        var newPinSets = new Dictionary<string, PinSet>(StringComparer.Ordinal);
        var now = time.GetUtcNow();

        await using (var create = new NpgsqlCommand(IngestSql.CreateStaging, connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        // Reports resent within one batch share a dedup key; only the first goes to staging (ON CONFLICT cannot touch a
        // row twice), carrying the number of further copies so the rollups count them as duplicates.
        var unique = new Dictionary<string, (IngestRecord Record, int Duplicates)>(StringComparer.Ordinal);
        foreach (var record in batch.SelectMany(request => request.Records))
        {
            var key = Convert.ToHexString(record.DedupKey);
            unique[key] = unique.TryGetValue(key, out var first) ? (first.Record, first.Duplicates + 1) : (record, 0);
        }
        await using (var importer = await connection.BeginBinaryImportAsync(IngestSql.CopyStaging))
        {
            foreach (var (record, duplicates) in unique.Values)
            {
                Remember(newChains, _storedChains, record.Validated);
                if (record.Served is not null) Remember(newChains, _storedChains, record.Served);
                var pinKey = Convert.ToHexString(record.PinSet.Fingerprint);
                if (!_storedPinSets.ContainsKey(pinKey)) newPinSets.TryAdd(pinKey, record.PinSet);
                await WriteRowAsync(importer, record);
                await importer.WriteAsync(duplicates, NpgsqlDbType.Integer);
                await importer.WriteAsync(record.CountsDevice, NpgsqlDbType.Boolean);
                await WriteNullableAsync(importer, record.NetworkId, NpgsqlDbType.Bigint);
            }
            await importer.CompleteAsync();
        }

        await InsertReferencesAsync(connection, transaction, newChains.Values, newPinSets.Values, now);

        await seriesCaps.InsertAsync(connection, transaction, now);

        int stored;
        await using (var insert = new NpgsqlCommand(IngestSql.InsertFresh, connection, transaction))
        {
            stored = Convert.ToInt32(await insert.ExecuteScalarAsync());
        }
        await transaction.CommitAsync();

        if (_storedChains.Count > MaxRemembered) _storedChains.Clear();
        if (_storedPinSets.Count > MaxRemembered) _storedPinSets.Clear();
        foreach (var key in newChains.Keys) _storedChains.TryAdd(key, 0);
        foreach (var key in newPinSets.Keys) _storedPinSets.TryAdd(key, 0);
        return stored;
    }

    private static void Remember(Dictionary<string, ParsedChain> pending, ConcurrentDictionary<string, byte> stored, ParsedChain chain)
    {
        var key = chain.FingerprintHex;
        if (!stored.ContainsKey(key)) pending.TryAdd(key, chain);
    }

    private static async Task WriteRowAsync(NpgsqlBinaryImporter importer, IngestRecord record)
    {
        var r = record.Report;
        await importer.StartRowAsync();
        await importer.WriteAsync(record.Id, NpgsqlDbType.Uuid);
        await importer.WriteAsync(record.ReceivedAt, NpgsqlDbType.TimestampTz);
        await importer.WriteAsync(r.Dialect.ToWire(), NpgsqlDbType.Text);
        await importer.WriteAsync(r.Hostname, NpgsqlDbType.Text);
        await importer.WriteAsync(r.NotedHostname, NpgsqlDbType.Text);
        await WriteNullableAsync(importer, r.Port, NpgsqlDbType.Integer);
        await WriteNullableAsync(importer, r.IncludeSubdomains, NpgsqlDbType.Boolean);
        await WriteNullableAsync(importer, r.EnforcePinning, NpgsqlDbType.Boolean);
        await WriteNullableAsync(importer, r.ValidationResult, NpgsqlDbType.Integer);
        await WriteTextAsync(importer, r.AppBundleId);
        await WriteTextAsync(importer, r.AppVersion);
        await WriteTextAsync(importer, r.AppPlatform);
        await WriteTextAsync(importer, r.AppPlatformVersion);
        await WriteTextAsync(importer, r.TrustKitVersion);
        await WriteBytesAsync(importer, record.DeviceHash);
        await WriteTextAsync(importer, r.DateTimeRaw);
        await WriteNullableAsync(importer, r.ClientTime?.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        await importer.WriteAsync(ClientTimeQualityNames.ToWire(r.ClientTimeQuality), NpgsqlDbType.Text);
        await WriteNullableAsync(importer, r.KnownPinsExpirationDate, NpgsqlDbType.Date);
        await WriteNullableAsync(importer, r.EffectiveExpirationDate?.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        await importer.WriteAsync(record.Validated.Fingerprint, NpgsqlDbType.Bytea);
        await WriteBytesAsync(importer, record.Served?.Fingerprint);
        await importer.WriteAsync(record.PinSet.Fingerprint, NpgsqlDbType.Bytea);
        await importer.WriteAsync(record.DedupKey, NpgsqlDbType.Bytea);
        await importer.WriteAsync(record.Diagnosis, NpgsqlDbType.Text);
        await importer.WriteAsync(r.RawJson, NpgsqlDbType.Jsonb);
        await importer.WriteAsync(record.Authenticated, NpgsqlDbType.Boolean);
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? value) =>
        value is null ? importer.WriteNullAsync() : importer.WriteAsync(value, NpgsqlDbType.Text);

    private static Task WriteBytesAsync(NpgsqlBinaryImporter importer, byte[]? value) =>
        value is null ? importer.WriteNullAsync() : importer.WriteAsync(value, NpgsqlDbType.Bytea);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type) where T : struct =>
        value is { } v ? importer.WriteAsync(v, type) : importer.WriteNullAsync();

    private static async Task InsertReferencesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        IEnumerable<ParsedChain> chains, IEnumerable<PinSet> pinSets, DateTimeOffset now)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var chain in chains)
        {
            var leaf = chain.Leaf;
            var certificates = chain.Certificates.Select(StoredCertificate.From).ToArray();
            batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestSql.InsertChain)
            {
                Parameters =
                {
                    new() { Value = chain.Fingerprint, NpgsqlDbType = NpgsqlDbType.Bytea },
                    new() { Value = chain.Certificates.Count, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = JsonSerializer.Serialize(certificates, DataJsonContext.Default.StoredCertificateArray), NpgsqlDbType = NpgsqlDbType.Jsonb },
                    new() { Value = (object?)leaf?.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.Issuer ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.SpkiSha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.NotAfter?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            });
        }
        foreach (var pinSet in pinSets)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestSql.InsertPinSet)
            {
                Parameters =
                {
                    new() { Value = pinSet.Fingerprint, NpgsqlDbType = NpgsqlDbType.Bytea },
                    new() { Value = pinSet.Pins, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = pinSet.Sha256Pins, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = pinSet.MalformedCount, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            });
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed batch of {Reports} reports ({Stored} stored) in {ElapsedMs} ms")]
    private partial void LogBatch(int reports, int stored, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch retried after {SqlState} (attempt {Attempt})")]
    private partial void LogRetry(string sqlState, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch of {Reports} reports failed; their requests get 503")]
    private partial void LogBatchFailed(Exception exception, int reports);
}
