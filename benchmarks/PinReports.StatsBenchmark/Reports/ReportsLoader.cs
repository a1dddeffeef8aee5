using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Data;
using ReportApi.Ingestion;
using ReportApi.Pins;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>
/// Loads the raw <c>reports</c> table: chains and pin sets first (stored once, as the writer stores them), then one
/// binary COPY per daily partition, two partitions at a time, then what the measured paths read besides the reports,
/// derived from them with the service's own code or SQL: the failure series and the minute device and network sets of
/// the last 8 days (the alert evaluator's window and 7 baseline days), the pin inventory (the real refresher, day by
/// day), the host key history of the server chains, activity denominators, and the rollup edges as a running closer
/// leaves them (so the service starts with nothing to catch up). Hour/day rollups and serving counts are not filled:
/// the stats paths are measured by scripts/stats-benchmark.sh.
/// </summary>
internal static class ReportsLoader
{
    public static async Task LoadAsync(NpgsqlDataSource dataSource, ReportsOptions o)
    {
        var clock = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        var end = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-1);
        var firstDay = DateOnly.FromDateTime(end.UtcDateTime).AddDays(-(o.Days - 1));
        var start = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        Console.WriteLine($"generating chains and pin sets ({o.Reports:N0} reports over {start:yyyy-MM-dd HH:mm} .. {end:yyyy-MM-dd HH:mm} UTC, {o.Days} daily partitions)");
        var corpus = ReportCorpus.Create();

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            for (var day = firstDay; day <= DateOnly.FromDateTime(end.UtcDateTime); day = day.AddDays(1))
            {
                foreach (var sql in PartitionSql.CreateDayStatements(day)) await ExecAsync(connection, sql);
            }
            await InsertReferencesAsync(connection, corpus, start);
        }
        Console.WriteLine($"  {corpus.AllChains.Count()} chains, {corpus.PinSets.Length + 1} pin sets stored ({clock.Elapsed.TotalSeconds:0} s)");

        // Days in parallel (two connections): one COPY per partition, rows in receive order like the service writes them.
        var days = Enumerable.Range(0, o.Days).Select(d => firstDay.AddDays(d)).ToArray();
        long loaded = 0;
        var queue = new System.Collections.Concurrent.ConcurrentQueue<DateOnly>(days.Reverse());
        var workers = Enumerable.Range(0, o.LoadConnections).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var day))
            {
                var (first, last) = RowRange(day, start, end, o.Reports);
                await CopyAsync(dataSource, "reports", corpus, first, last, o.Reports, start, end);
                var total = Interlocked.Add(ref loaded, last - first);
                Console.WriteLine(FormattableString.Invariant(
                    $"  {day:yyyy-MM-dd}: {last - first:N0} rows; {total:N0} of {o.Reports:N0} in {clock.Elapsed.TotalSeconds:0} s ({total / clock.Elapsed.TotalSeconds:N0} rows/s)"));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var (bodyBytes, templates) = corpus.BodyStats();
        Console.WriteLine(FormattableString.Invariant($"  bodies the raw JSON was parsed from: {templates:N0} app configurations, average {bodyBytes:N0} bytes with chains"));

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await TimedAsync(connection, "VACUUM (ANALYZE) reports", "vacuum analyze reports");
            await DeriveAsync(connection, dataSource, end, start);
            await Report(connection, "reports rows, heap+TOAST, indexes", """
                SELECT format('%s rows, %s heap+toast, %s indexes, %s bytes of raw JSON per row on average (pg_column_size)',
                    (SELECT to_char(sum(reltuples), 'FM999,999,999') FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = 'reports'::regclass),
                    pg_size_pretty(sum(pg_table_size(i.inhrelid))), pg_size_pretty(sum(pg_indexes_size(i.inhrelid))),
                    (SELECT avg(pg_column_size(raw))::int FROM reports TABLESAMPLE SYSTEM (0.1)))
                FROM pg_inherits i WHERE i.inhparent = 'reports'::regclass
                """);
        }
        Console.WriteLine($"loaded in {clock.Elapsed.TotalMinutes:0.0} min");
    }

    /// <summary>Rows [first, last) of the evenly spaced month that fall on <paramref name="day"/>.</summary>
    private static (long First, long Last) RowRange(DateOnly day, DateTimeOffset start, DateTimeOffset end, long total)
    {
        long Index(DateTimeOffset t) => t <= start ? 0 : t >= end ? total : (long)Math.Ceiling(total * ((t - start).Ticks / (double)(end - start).Ticks));
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return (Index(from), Index(from.AddDays(1)));
    }

    /// <summary>Rows [first, last) of the month into <paramref name="table"/> with one binary COPY.</summary>
    internal static async Task CopyAsync(NpgsqlDataSource dataSource, string table, ReportCorpus corpus, long first, long last, long total, DateTimeOffset start, DateTimeOffset end)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {table} ({string.Join(", ", IngestSql.ReportColumns)}) FROM STDIN (FORMAT BINARY)");
        var dedup = new byte[32];
        for (var i = first; i < last; i++)
        {
            var row = corpus.Generate(i, total, start, end);
            var r = row.Template.Report;
            await importer.StartRowAsync();
            await importer.WriteAsync(row.Id, NpgsqlDbType.Uuid);
            await importer.WriteAsync(row.ReceivedAt, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(r.Dialect == ReportApi.Domain.Reports.ReportDialect.TrustKitIos ? "trustkit-ios" : "trustkit-android", NpgsqlDbType.Text);
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
            await importer.WriteAsync(ReportCorpus.DeviceHash(row.Device), NpgsqlDbType.Bytea);
            await importer.WriteAsync(row.DateTime, NpgsqlDbType.Text);
            await WriteNullableAsync(importer, row.ClientTime, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(row.ClientTime is null ? "local-literal-z" : "utc", NpgsqlDbType.Text);
            await WriteNullableAsync(importer, r.KnownPinsExpirationDate, NpgsqlDbType.Date);
            await WriteNullableAsync<DateTimeOffset>(importer, r.KnownPinsExpirationDate is { } expires ? new DateTimeOffset(expires.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(row.Chain.Parsed.Fingerprint, NpgsqlDbType.Bytea);
            if (r.AppPlatform == "ANDROID") await importer.WriteAsync(row.Chain.Parsed.Fingerprint, NpgsqlDbType.Bytea);
            else await importer.WriteNullAsync();
            await importer.WriteAsync(row.PinSet.Fingerprint, NpgsqlDbType.Bytea);
            System.Security.Cryptography.RandomNumberGenerator.Fill(dedup);
            await importer.WriteAsync(dedup, NpgsqlDbType.Bytea);
            await importer.WriteAsync(row.Diagnosis, NpgsqlDbType.Text);
            await importer.WriteAsync(row.Template.Raw(row.DateTime), NpgsqlDbType.Jsonb);
            await importer.WriteAsync(false, NpgsqlDbType.Boolean);
        }
        await importer.CompleteAsync();
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? value) =>
        value is null ? importer.WriteNullAsync() : importer.WriteAsync(value, NpgsqlDbType.Text);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type) where T : struct =>
        value is { } v ? importer.WriteAsync(v, type) : importer.WriteNullAsync();

    /// <summary>Chains and pin sets with the writer's own statements and JSON (IngestSql.InsertChain / InsertPinSet).</summary>
    private static async Task InsertReferencesAsync(NpgsqlConnection connection, ReportCorpus corpus, DateTimeOffset seen)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var chain in corpus.AllChains)
        {
            var leaf = chain.Parsed.Leaf;
            var certificates = chain.Parsed.Certificates.Select(StoredCertificate.From).ToArray();
            batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestSql.InsertChain)
            {
                Parameters =
                {
                    new() { Value = chain.Parsed.Fingerprint, NpgsqlDbType = NpgsqlDbType.Bytea },
                    new() { Value = chain.Parsed.Certificates.Count, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = JsonSerializer.Serialize(certificates, DataJsonContext.Default.StoredCertificateArray), NpgsqlDbType = NpgsqlDbType.Jsonb },
                    new() { Value = (object?)leaf?.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.Issuer ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.SpkiSha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)leaf?.NotAfter?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = seen, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            });
        }
        foreach (var pinSet in corpus.PinSets.Append(corpus.MalformedPins))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestSql.InsertPinSet)
            {
                Parameters =
                {
                    new() { Value = pinSet.Fingerprint, NpgsqlDbType = NpgsqlDbType.Bytea },
                    new() { Value = pinSet.Pins, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = pinSet.Sha256Pins, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = pinSet.MalformedCount, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = seen, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                },
            });
        }
        // The key history of the hosts' trusted server chains (the writer records it for chains that built to a trusted root).
        foreach (var (chain, host) in corpus.ServerOld.Concat(corpus.ServerNew).Select((c, i) => (c, ReportCorpus.Hosts[i % ReportCorpus.Hosts.Length])))
        {
            foreach (var c in chain.Parsed.Certificates)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                    INSERT INTO host_keys (noted_hostname, spki_sha256, role, subject, issuer, ca, position, not_after, certificate, first_seen_at, last_seen_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
                    ON CONFLICT DO NOTHING
                    """)
                {
                    Parameters =
                    {
                        new() { Value = host }, new() { Value = c.SpkiSha256! }, new() { Value = ReportApi.Domain.Pins.PreflightEvaluator.Role(c.Position, c.Position == 2) },
                        new() { Value = c.Subject! }, new() { Value = c.Issuer! }, new() { Value = chain.Parsed.Certificates[^1].Subject! },
                        new() { Value = c.Position }, new() { Value = c.NotAfter!.Value.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                        new() { Value = chain.Certificates[c.Position].RawData }, new() { Value = seen, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    },
                });
            }
        }
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>What the evaluator, the pin inventory and the pre-flight read, derived from the loaded reports.</summary>
    private static async Task DeriveAsync(NpgsqlConnection connection, NpgsqlDataSource dataSource, DateTimeOffset end, DateTimeOffset start)
    {
        var t = $"timestamptz '{end:yyyy-MM-dd HH:mm:ss}+00'";
        // Series keys as IngestSql computes them ('' for a missing text, -1 for no enforce flag).
        const string key = """
            coalesce(r.app_bundle_id, ''), coalesce(r.app_version, ''), coalesce(r.app_platform, ''), r.noted_hostname, r.hostname, r.diagnosis,
            (CASE r.enforce_pinning WHEN true THEN 1 WHEN false THEN 0 ELSE -1 END)::smallint
            """;
        await TimedAsync(connection, $"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT {key}, min(r.received_at) FROM reports r GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
            """, "failure_series");
        const string join = """
            FROM reports r JOIN failure_series s ON (s.app, s.version, s.platform, s.noted_hostname, s.hostname, s.diagnosis, s.enforce) = (
                coalesce(r.app_bundle_id, ''), coalesce(r.app_version, ''), coalesce(r.app_platform, ''), r.noted_hostname, r.hostname, r.diagnosis,
                (CASE r.enforce_pinning WHEN true THEN 1 WHEN false THEN 0 ELSE -1 END)::smallint)
            """;
        // The device id is the first 8 bytes of the device hash, as the writer takes it; the network a hash of the device's (a /24 per 40 devices).
        await TimedAsync(connection, $"""
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT DISTINCT date_trunc('minute', r.received_at, 'UTC'), s.id, ('x' || encode(substring(r.device_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint
            {join}
            WHERE r.received_at >= {t} - interval '8 days' AND r.device_hash IS NOT NULL
            """, "failure_devices_minute (last 8 days)");
        await TimedAsync(connection, $"""
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT DISTINCT date_trunc('minute', r.received_at, 'UTC'), s.id, ('x' || encode(substring(r.device_hash FROM 9 FOR 8), 'hex'))::bit(64)::bigint % 25000
            {join}
            WHERE r.received_at >= {t} - interval '8 days' AND r.device_hash IS NOT NULL
            """, "failure_networks_minute (last 8 days)");
        await TimedAsync(connection, $"""
            INSERT INTO app_activity (app, version, platform, day, active_devices, updated_at)
            SELECT DISTINCT app, version, platform, d::date, 40000, now() FROM failure_series, generate_series({t} - interval '2 days', {t}, interval '1 day') d
            WHERE app <> '' AND version <> ''
            ON CONFLICT DO NOTHING
            """, "app_activity");
        foreach (var table in new[] { "failure_series", "failure_devices_minute", "failure_networks_minute", "app_activity", "certificate_chains", "pin_sets", "host_keys" })
        {
            await ExecAsync(connection, $"VACUUM ANALYZE {table}");
        }
        // The closer's edges as a running closer leaves them: nothing to fold when the service starts.
        await ExecAsync(connection, $"UPDATE rollup_watermarks SET at = {t} WHERE edge IN ('closed', 'closing')");
        await ExecAsync(connection, "UPDATE rollup_watermarks SET at = NULL WHERE edge = 'backfill'");
        // The failing-chain rollups (issue #12): folded by the real closer, as its upgrade backfill does.
        await ChainFill.RunAsync(dataSource);

        // The pin inventory through the real refresher: day-sized transactions over the whole month, as after an upgrade.
        var started = Stopwatch.GetTimestamp();
        var refresher = new PinInventoryRefresher(new PinInventoryStore(dataSource), Microsoft.Extensions.Options.Options.Create(new PinsOptions()), TimeProvider.System, NullLogger<PinInventoryRefresher>.Instance);
        await ExecAsync(connection, $"INSERT INTO pin_inventory_state (id, watermark) VALUES (1, timestamptz '{start:yyyy-MM-dd HH:mm:ss}+00') ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark");
        var ranges = await refresher.RefreshAsync(wait: true, CancellationToken.None);
        Console.WriteLine($"  pin inventory (PinInventoryRefresher, {ranges} day ranges): {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        await ExecAsync(connection, "VACUUM ANALYZE pin_inventory");
        await ExecAsync(connection, "VACUUM ANALYZE pin_inventory_devices");
        await Report(connection, "derived", """
            SELECT format('%s series, %s minute device rows, %s minute network rows, %s inventory rows, %s inventory device rows',
                (SELECT count(*) FROM failure_series), (SELECT count(*) FROM failure_devices_minute), (SELECT count(*) FROM failure_networks_minute),
                (SELECT count(*) FROM pin_inventory), (SELECT count(*) FROM pin_inventory_devices))
            """);
    }

    private static async Task Report(NpgsqlConnection connection, string what, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        Console.WriteLine($"  {what}: {await command.ExecuteScalarAsync()}");
    }

    private static async Task TimedAsync(NpgsqlConnection connection, string sql, string step)
    {
        var started = Stopwatch.GetTimestamp();
        var rows = await ExecAsync(connection, sql);
        Console.WriteLine($"  {step}: {(rows >= 0 ? $"{rows:N0} rows in " : "")}{Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    internal static async Task<int> ExecAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteNonQueryAsync();
    }
}
