using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using ReportApi.Alerting;
using ReportApi.Data;
using ReportApi.Diagnosis;
using ReportApi.Domain.Alerting;
using ReportApi.Infrastructure.Sql;
using ReportApi.Notifications;
using ReportApi.Pins;
using ReportApi.Query;

namespace PinReports.StatsBenchmark.Reports;

/// <summary>
/// Times the responder paths on the loaded table: real HTTP against the running service (Release, Production settings)
/// for the API, the live evaluator's own code for one alert evaluation. Each timing is the median and p95 of
/// <see cref="ReportsOptions.Runs"/> runs after two warm-up runs; each query's plan is the service's own SQL under
/// EXPLAIN (ANALYZE, BUFFERS), key lines only.
/// </summary>
internal sealed class ReportsMeasure(NpgsqlDataSource dataSource, ReportsOptions o, HttpClient http)
{
    private readonly List<string> _rows = [];
    private readonly List<string> _plans = [];

    public static async Task RunAsync(NpgsqlDataSource dataSource, ReportsOptions o)
    {
        using var http = new HttpClient { BaseAddress = new Uri(o.Url ?? throw new ArgumentException("--url is required")), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.Key ?? throw new ArgumentException("--key is required"));
        await new ReportsMeasure(dataSource, o, http).MeasureAsync();
    }

    private async Task MeasureAsync()
    {
        var end = new DateTimeOffset(await ScalarAsync<DateTime>("SELECT max(received_at) FROM reports"), TimeSpan.Zero);
        var start = new DateTimeOffset(await ScalarAsync<DateTime>("SELECT min(received_at) FROM reports"), TimeSpan.Zero);
        Console.WriteLine($"reports {start:yyyy-MM-dd HH:mm} .. {end:yyyy-MM-dd HH:mm} UTC; {await ScalarAsync<string>(
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ') FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit', 'server_version')")}");
        Console.WriteLine($"uptime: {Uptime()}");
        Console.WriteLine();
        Console.WriteLine("| path | rows | median ms | p95 ms | min ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|");

        // First pages over the default range (the last 24 h, 100 rows): what a responder opens first. Shares are of all reports.
        var byVersion = new ReportListQuery(null, "4.5.0", null, null, null, null, null, null, null, null);
        var firstPages = new (string Name, ReportListQuery Query)[]
        {
            ("first page by version (4.5.0: 0.7% of reports)", byVersion),
            ("first page by version (4.11.0: 13%)", byVersion with { Version = "4.11.0" }),
            ("first page by hostname (edge7.cdn.example.com: 1%)", byVersion with { Version = null, Hostname = "edge7.cdn.example.com" }),
            ("first page by hostname (login.example.com, noted: 15%)", byVersion with { Version = null, Hostname = "login.example.com" }),
            ("first page by diagnosis (client-config-error: 2%)", byVersion with { Version = null, Diagnosis = "client-config-error" }),
            ("first page by app + version + diagnosis (bank 7.8.0 interception: 0.8%)",
                new ReportListQuery("com.example.bank", "7.8.0", null, null, "interception-suspected", null, null, null, null, null)),
            // The worst case of a filter the indexes cannot seek: nothing matches, so every row of the 24 h is read.
            ("first page by version with no report in the range (4.99.0: worst case)", byVersion with { Version = "4.99.0" }),
            ("first page by hostname with no report in the range (worst case)", byVersion with { Version = null, Hostname = "edge99.cdn.example.com" }),
        };
        string? firstId = null;
        string? versionCursor = null;
        foreach (var (name, query) in firstPages)
        {
            var (count, next, id) = await PageAsync(name, query);
            firstId ??= id;
            if (ReferenceEquals(query, byVersion)) versionCursor = next;
        }
        if (versionCursor is not null) await PageAsync("page 2 by version 4.5.0 (cursor)", byVersion with { Cursor = versionCursor });
        // Deep in a 30-day range: the cursor of a row 20 days back (what paging through the month reaches).
        var deep = new ReportCursor(end.AddDays(-20), Guid.Parse("ffffffff-ffff-7fff-bfff-ffffffffffff")).Encode();
        var month = byVersion with { From = Iso(start), To = Iso(end.AddMilliseconds(1)) };
        await PageAsync("page 20 days deep, by version 4.5.0, 30-day range (cursor)", month with { Cursor = deep });
        await PageAsync("page 20 days deep, by diagnosis client-config-error, 30-day range (cursor)",
            month with { Version = null, Diagnosis = "client-config-error", Cursor = deep });

        if (firstId is not null) await DetailsAsync(Guid.Parse(firstId));
        await CsvAsync(end);
        await PinsAsync();
        await AlertsAsync(end);

        Console.WriteLine();
        Console.WriteLine($"uptime after measuring: {Uptime()}");
        Console.WriteLine();
        Console.WriteLine("All rows:");
        foreach (var row in _rows) Console.WriteLine(row);
        Console.WriteLine();
        Console.WriteLine("EXPLAIN (ANALYZE, BUFFERS) key lines:");
        foreach (var plan in _plans) Console.WriteLine(plan);
    }

    private async Task<(int Count, string? Next, string? FirstId)> PageAsync(string name, ReportListQuery query)
    {
        var url = "/v1/reports" + QueryString(query);
        var (count, next, id) = (0, (string?)null, (string?)null);
        await TimeAsync(name, async () =>
        {
            using var response = await GetAsync(url);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            using var json = JsonDocument.Parse(body);
            var items = json.RootElement.GetProperty("items");
            count = items.GetArrayLength();
            next = json.RootElement.TryGetProperty("nextCursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            id = count > 0 ? items[0].GetProperty("id").GetString() : null;
            return count;
        });
        var (filter, problems) = ReportFilter.Validate(query, DateTimeOffset.UtcNow);
        if (filter is null) throw new InvalidOperationException(string.Join("; ", problems));
        await using var command = ReportQueries.ListCommand(dataSource, filter, filter.Limit + 1);
        await ExplainAsync(name, command);
        return (count, next, id);
    }

    /// <summary>
    /// A GET, repeated (at most 3 times) after a 503: on the shared machine PostgreSQL is sometimes SIGSTOPped for longer
    /// than the service's command timeout, and the service answers 503 as it should. The repeat is timed with the rest.
    /// </summary>
    private async Task<HttpResponseMessage> GetAsync(string url)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await http.GetAsync(url);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 3) return response;
            Console.WriteLine($"  {url}: 503 (database paused?), retrying");
            response.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private async Task DetailsAsync(Guid id)
    {
        const string name = "GET /v1/reports/{id}";
        await TimeAsync(name, async () =>
        {
            using var response = await http.GetAsync($"/v1/reports/{id}");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            return 1;
        });
        var at = ReportQueries.ReceivedAtOf(id)!.Value;
        await using var command = dataSource.CreateCommand(QuerySql.Details);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Uuid) { Value = id });
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = at });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = at.AddMilliseconds(1) });
        await ExplainAsync(name, command);
    }

    /// <summary>The newest <see cref="ReportsOptions.CsvRows"/> reports as CSV, streamed; the service's RSS sampled every 50 ms.</summary>
    private async Task CsvAsync(DateTimeOffset end)
    {
        var from = new DateTimeOffset(await ScalarAsync<DateTime>(
            $"SELECT received_at FROM reports ORDER BY received_at DESC OFFSET {o.CsvRows - 1} LIMIT 1"), TimeSpan.Zero);
        var query = new ReportListQuery(null, null, null, null, null, null, Iso(from), Iso(end.AddMilliseconds(1)), null, null);
        var url = "/v1/reports" + QueryString(query);
        var rates = new List<double>();
        long peak = 0, first = 0, last = 0;
        for (var run = 0; run <= o.CsvRuns; run++)
        {
            var (rows, bytes, seconds, before, runPeak, after) = await CsvRunAsync(url, run);
            if (rows != o.CsvRows) Console.WriteLine($"  warning: CSV had {rows:N0} rows, expected {o.CsvRows:N0}");
            Console.WriteLine(FormattableString.Invariant(
                $"  CSV run {run}{(run == 0 ? " (warm-up)" : "")}: {rows:N0} rows, {bytes / 1048576.0:N0} MiB in {seconds:0.0} s = {rows / seconds:N0} rows/s; service RSS {before / 1048576.0:N0} MiB before, peak {runPeak / 1048576.0:N0}, after {after / 1048576.0:N0}"));
            if (run == 0)
            {
                first = before;
                continue;
            }
            rates.Add(rows / seconds);
            peak = Math.Max(peak, runPeak);
            last = after;
        }
        rates.Sort();
        var row = FormattableString.Invariant(
            $"| CSV export of the newest {o.CsvRows:N0} reports (rows/s, median and slowest of {o.CsvRuns}) | {o.CsvRows:N0} | {rates[rates.Count / 2]:N0} rows/s | {rates[0]:N0} rows/s | RSS {first / 1048576.0:N0} MiB at start, peak {peak / 1048576.0:N0}, end {last / 1048576.0:N0} |");
        Console.WriteLine(row);
        _rows.Add(row);
        var (filter, _) = ReportFilter.Validate(query, DateTimeOffset.UtcNow);
        await using var command = ReportQueries.ListCommand(dataSource, filter!, limit: null);
        await ExplainAsync("CSV export (the list query without a limit)", command);
    }

    /// <summary>
    /// One export, retried (up to 3 attempts) when the response breaks off: on the shared machine a paused PostgreSQL
    /// (SIGSTOP while someone measures) outlasts the service's 30 s command timeout mid-stream.
    /// </summary>
    private async Task<(long Rows, long Bytes, double Seconds, long Before, long Peak, long After)> CsvRunAsync(string url, int run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CsvOnceAsync(url);
            }
            catch (HttpIOException e) when (attempt < 3)
            {
                Console.WriteLine($"  CSV run {run} broke off ({e.Message}); the service's log says why; retrying");
            }
        }
    }

    private async Task<(long Rows, long Bytes, double Seconds, long Before, long Peak, long After)> CsvOnceAsync(string url)
    {
        var before = Rss();
        using var sampling = new CancellationTokenSource();
        var peak = before;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss());
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            long lines = 0, bytes = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            return (lines - 1, bytes, seconds, before, peak, Rss());
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }
    }

    private async Task PinsAsync()
    {
        var inventory = 0;
        await TimeAsync("GET /v1/pins (all)", async () =>
        {
            using var response = await http.GetAsync("/v1/pins");
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"/v1/pins: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            using var json = JsonDocument.Parse(body);
            return inventory = json.RootElement.GetProperty("items").GetArrayLength();
        });
        await TimeAsync("GET /v1/pins?app=com.example.bank", async () =>
        {
            using var response = await http.GetAsync("/v1/pins?app=com.example.bank");
            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            return json.RootElement.GetProperty("items").GetArrayLength();
        });
        await using (var list = dataSource.CreateCommand(PinsSql.ListInventory))
        {
            for (var i = 0; i < 4; i++) list.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await ExplainAsync("GET /v1/pins: PinsSql.ListInventory", list);
        }
        var pins = await ScalarAsync<string[]>("SELECT array_agg(DISTINCT p) FROM pin_sets, unnest(sha256pins) p");
        await using (var keys = dataSource.CreateCommand(HostKeysSql.ByKeys))
        {
            keys.Parameters.Add(new NpgsqlParameter { Value = pins, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await ExplainAsync("GET /v1/pins: HostKeysSql.ByKeys (the pinned certificates; no scan of stored chains)", keys);
        }

        // Pre-flight of the host's current chain as a PEM upload.
        var certificates = JsonSerializer.Deserialize(await ScalarAsync<string>("""
            SELECT certificates::text FROM certificate_chains WHERE leaf_subject LIKE 'CN=login.example.com,%' ORDER BY leaf_not_after DESC LIMIT 1
            """), DataJsonContext.Default.StoredCertificateArray)!;
        var pem = string.Join("\n", certificates.Select(c => c.Pem)) + "\n";
        await TimeAsync("POST /v1/preflight?hostname=login.example.com", async () =>
        {
            using var content = new StringContent(pem, Encoding.ASCII, "application/x-pem-file");
            using var response = await http.PostAsync("/v1/preflight?hostname=login.example.com", content);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"preflight: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            using var json = JsonDocument.Parse(body);
            return json.RootElement.GetProperty("versions").GetArrayLength();
        });
        var since = DateTimeOffset.UtcNow.AddDays(-30);
        await using (var candidates = dataSource.CreateCommand(PinsSql.PreflightCandidates))
        {
            candidates.Parameters.Add(new NpgsqlParameter { Value = since, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            candidates.Parameters.Add(new NpgsqlParameter { Value = "login.example.com", NpgsqlDbType = NpgsqlDbType.Text });
            await ExplainAsync("POST /v1/preflight: PinsSql.PreflightCandidates", candidates);
        }
        var ids = await ScalarAsync<long[]>("SELECT array_agg(id) FROM pin_inventory WHERE noted_hostname = 'login.example.com'");
        await using (var devices = dataSource.CreateCommand(PinsSql.RecentDistinctDevices))
        {
            devices.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            devices.Parameters.Add(new NpgsqlParameter { Value = since, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await ExplainAsync("POST /v1/preflight: PinsSql.RecentDistinctDevices", devices);
        }
        Console.WriteLine($"  pin inventory rows listed: {inventory}");
    }

    /// <summary>
    /// One evaluation minute through <see cref="AlertEvaluator.EvaluateAsync"/> (claim, window and network counts, baselines,
    /// the detector, context and top chain for series with an alert, alert rows, outbox), each run on a fresh alerts table.
    /// Then 10,000 series: synthetic app versions with devices in the window and in every baseline window.
    /// </summary>
    private async Task AlertsAsync(DateTimeOffset end)
    {
        var evaluator = new AlertEvaluator(new AlertingStore(dataSource), Microsoft.Extensions.Options.Options.Create(new DetectorOptions()), Microsoft.Extensions.Options.Options.Create(new AlertEvaluatorOptions()),
            Microsoft.Extensions.Options.Options.Create(new NotificationOptions()), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        var minute = SeriesObservations.Floor(end).AddMinutes(1);
        var detector = new DetectorOptions();

        async Task EvaluateAsync(string label)
        {
            AlertEvaluation? evaluation = null;
            await TimeAsync(label, async () =>
            {
                evaluation = await evaluator.EvaluateAsync(minute, CancellationToken.None);
                return evaluation.SeriesCount;
            }, runs: Math.Min(o.Runs, 9), reset: () => ExecAsync("TRUNCATE alert_evaluations, alerts CASCADE"));
            Console.WriteLine($"  {label}: {evaluation!.SeriesCount} series, {evaluation.Decisions.Count} with a decision ({string.Join(", ",
                evaluation.Decisions.GroupBy(d => d.Transition).Select(g => $"{g.Key} {g.Count()}"))})");
        }

        await RemoveSyntheticSeriesAsync();
        await EvaluateAsync("alert evaluation, the loaded series");

        // More series: synthetic app versions on 5 hosts (each version adds a version and a version-host series). Each has
        // one failing device per 5 minutes in the window and in every baseline window (7 days × 3 windows), the least a
        // series needs to be a candidate: the evaluator's work grows with the series, not with a heavier shape.
        await AddSyntheticSeriesAsync(minute, 1, 45);
        await EvaluateAsync("alert evaluation, ~240 series (the loaded 149 and 45 synthetic versions)");
        await AddSyntheticSeriesAsync(minute, 46, 5000);
        await EvaluateAsync("alert evaluation, ~10,000 series");
        await ExplainAlertSqlAsync("~10,000 series", minute, detector);
        await RemoveSyntheticSeriesAsync();
        await ExecAsync("TRUNCATE alert_evaluations, alerts CASCADE");
    }

    /// <summary>Leaves the loaded series only (a run that stopped half-way may have left synthetic ones).</summary>
    private async Task RemoveSyntheticSeriesAsync()
    {
        const string ids = "SELECT id FROM failure_series WHERE app = 'com.example.synthetic'";
        await ExecAsync($"DELETE FROM failure_devices_minute WHERE series_id IN ({ids})");
        await ExecAsync($"DELETE FROM failure_networks_minute WHERE series_id IN ({ids})");
        await ExecAsync($"DELETE FROM failure_series WHERE app = 'com.example.synthetic'");
    }

    private async Task AddSyntheticSeriesAsync(DateTimeOffset minute, int firstVersion, int lastVersion)
    {
        var t = $"timestamptz '{minute:yyyy-MM-dd HH:mm:ss}+00'";
        await ExecAsync($"""
            INSERT INTO failure_series (app, version, platform, noted_hostname, hostname, diagnosis, enforce, first_seen_at)
            SELECT 'com.example.synthetic', '9.' || v || '.0', 'IOS', 'synthetic' || (v % 5) || '.example.com', 'synthetic' || (v % 5) || '.example.com',
                   'server-rotation', 1, {t} - interval '20 days'
            FROM generate_series({firstVersion}, {lastVersion}) v
            ON CONFLICT DO NOTHING
            """);
        // The window's minutes and each baseline day's 15 minutes (3 windows); a series' device falls on every fifth minute.
        var minutes = $"""
            (SELECT generate_series({t} - interval '5 minutes', {t} - interval '1 minute', interval '1 minute') AS b
             UNION ALL
             SELECT generate_series({t} - make_interval(days => d) - interval '10 minutes', {t} - make_interval(days => d) + interval '4 minutes', interval '1 minute')
             FROM generate_series(1, 7) d) w
            """;
        var synthetic = $"s.app = 'com.example.synthetic' AND split_part(s.version, '.', 2)::int BETWEEN {firstVersion} AND {lastVersion} AND (extract(epoch FROM w.b)::bigint / 60 + s.id) % 5 = 0";
        await ExecAsync($"""
            INSERT INTO failure_devices_minute (bucket, series_id, device_id)
            SELECT w.b, s.id, s.id::bigint * 100000 + extract(epoch FROM w.b)::bigint / 60 % 100000 FROM failure_series s, {minutes} WHERE {synthetic}
            ON CONFLICT DO NOTHING
            """);
        await ExecAsync($"""
            INSERT INTO failure_networks_minute (bucket, series_id, network_id)
            SELECT w.b, s.id, s.id FROM failure_series s, {minutes} WHERE {synthetic}
            ON CONFLICT DO NOTHING
            """);
        foreach (var table in new[] { "failure_series", "failure_devices_minute", "failure_networks_minute" }) await ExecAsync($"ANALYZE {table}");
    }

    private async Task ExplainAlertSqlAsync(string label, DateTimeOffset minute, DetectorOptions detector)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await AlertingStore.DisableJitAsync(connection, transaction, CancellationToken.None);
        var filter = await SeriesObservations.AllSeriesAsync(connection, transaction, CancellationToken.None);
        await using (var window = new NpgsqlCommand(AlertingSql.WindowDevices, connection, transaction))
        {
            window.Parameters.Add(new NpgsqlParameter { Value = minute - detector.Window, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            window.Parameters.Add(new NpgsqlParameter { Value = minute, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await ExplainAsync($"alert evaluation ({label}): AlertingSql.WindowDevices", window);
        }
        await using (var baseline = new NpgsqlCommand(AlertingSql.BaselineDevices, connection, transaction))
        {
            baseline.Parameters.Arg(filter.Hosts).Arg(filter.Apps).Arg(filter.Versions);
            baseline.Parameters.Add(new NpgsqlParameter { Value = minute, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            baseline.Parameters.Add(new NpgsqlParameter { Value = detector.Window, NpgsqlDbType = NpgsqlDbType.Interval });
            baseline.Parameters.Add(new NpgsqlParameter { Value = detector.BaselineDays, NpgsqlDbType = NpgsqlDbType.Integer });
            baseline.Parameters.Add(new NpgsqlParameter { Value = detector.BaselineNeighbourWindows, NpgsqlDbType = NpgsqlDbType.Integer });
            await ExplainAsync($"alert evaluation ({label}): AlertingSql.BaselineDevices (every series a candidate)", baseline);
        }
        await using (var top = new NpgsqlCommand(AlertingSql.TopChain, connection, transaction))
        {
            top.Parameters.Add(new NpgsqlParameter { Value = minute - detector.Window, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            top.Parameters.Add(new NpgsqlParameter { Value = minute, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            top.Parameters.Add(new NpgsqlParameter { Value = "login.example.com", NpgsqlDbType = NpgsqlDbType.Text });
            top.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            top.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await ExplainAsync($"alert evaluation ({label}): AlertingSql.TopChain (host login.example.com, on reports)", top);
        }
        await transaction.RollbackAsync();
    }

    /// <summary>Two warm-up runs, then <paramref name="runs"/> timed ones (<paramref name="reset"/> before each, untimed); prints and keeps one table row.</summary>
    private async Task TimeAsync(string name, Func<Task<int>> run, int? runs = null, Func<Task>? reset = null)
    {
        var count = 0;
        for (var i = 0; i < 2; i++)
        {
            if (reset is not null) await reset();
            count = await run();
        }
        var times = new List<double>();
        for (var i = 0; i < (runs ?? o.Runs); i++)
        {
            if (reset is not null) await reset();
            var started = Stopwatch.GetTimestamp();
            count = await run();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        times.Sort();
        var row = FormattableString.Invariant(
            $"| {name} | {count:N0} | {times[times.Count / 2]:0.0} | {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0} | {times[0]:0.0} |");
        Console.WriteLine(row);
        _rows.Add(row);
    }

    private async Task ExplainAsync(string name, NpgsqlCommand command)
    {
        var text = command.CommandText;
        command.CommandText = "EXPLAIN (ANALYZE, BUFFERS) " + text;
        command.CommandTimeout = 0;
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        }
        command.CommandText = text;
        var key = lines.Where(l => !l.Contains("never executed", StringComparison.Ordinal)
            && (l.Contains("Limit", StringComparison.Ordinal) || l.Contains("Append", StringComparison.Ordinal) || l.Contains("Scan", StringComparison.Ordinal)
                || l.Contains("Rows Removed", StringComparison.Ordinal) || l.Contains("Aggregate", StringComparison.Ordinal) || l.Contains("Sort", StringComparison.Ordinal)
                || l.Contains("Join", StringComparison.Ordinal) || l.Contains("Nested Loop", StringComparison.Ordinal) || l.Contains("Index Cond", StringComparison.Ordinal)
                || l.StartsWith("Planning Time", StringComparison.Ordinal) || l.StartsWith("Execution Time", StringComparison.Ordinal)))
            .Take(24);
        _plans.Add($"### {name}\n```\n{string.Join("\n", key.Select(l => l.TrimEnd()))}\n```");
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecAsync(string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private long Rss()
    {
        if (o.ServicePid is not { } pid) return 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process is gone: no sample.
        }
        return 0;
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string QueryString(ReportListQuery q)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null) parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }
        Add("app", q.App); Add("version", q.Version); Add("platform", q.Platform); Add("hostname", q.Hostname); Add("diagnosis", q.Diagnosis);
        Add("validationResult", q.ValidationResult); Add("from", q.From); Add("to", q.To); Add("limit", q.Limit); Add("cursor", q.Cursor);
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    internal static string Uptime()
    {
        try
        {
            return "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "load average unknown";
        }
    }
}
