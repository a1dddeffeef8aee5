using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using ReportApi.Data;
using ReportApi.Tests.Alerting;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.ScaleOut;

/// <summary>
/// Issue #16, docs/decisions/0009-scale-out-uses-existing-engines.md: two API replicas (separate processes and ports) on one database, every background job
/// on short intervals. Under load on both, one is killed with SIGKILL. Then: every 204 is stored; the survivor carries
/// every job on within one interval (alert evaluation: every minute evaluated exactly once, none skipped; the rollup
/// closer's and the pin inventory's edges move past the kill; the outbox is drained); each unit of work happened once
/// (the pin inventory and the served stats count each stored report once; the retention drop of an expired partition and
/// the partition maintenance run without a failure on either replica); and each alert state change reached the webhook
/// receiver exactly once, including an alert that fires after the kill. Slow (2–3 min: alerts need real minutes).
/// </summary>
public sealed class TwoReplicaTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Pin = "pin-sha256=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"";
    private const string App = "com.example.bank";

    [Fact]
    public async Task Two_replicas_share_every_background_job_exactly_once_and_the_survivor_takes_over_after_a_kill()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var receiver = await Receiver.StartAsync();
        // An expired daily partition: retention (Retention:Days 90) must drop it once, without either replica failing.
        var expired = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-200);
        await using (var db = NpgsqlDataSource.Create(connectionString))
        {
            await using var create = db.CreateCommand(PartitionSql.CreateDay(expired));
            await create.ExecuteNonQueryAsync(Ct);
        }
        var settings = new Dictionary<string, string?>
        {
            ["Alerting__Evaluator__SettleDelay"] = "00:00:02",
            ["Alerting__Evaluator__TickInterval"] = "00:00:01",
            ["Alerting__PendingEvaluations"] = "1",
            ["Alerting__FirstSeenMinDevices"] = "20",
            ["Alerting__MinNetworksToPage"] = "0",
            ["Rollups__CloseInterval"] = "00:00:01",
            ["Rollups__CloseDelay"] = "00:00:01",
            ["Pins__RefreshInterval"] = "00:00:01",
            ["Pins__SettleDelay"] = "00:00:02",
            ["Database__MaintenanceInterval"] = "00:00:01",
            ["Retention__Days"] = "90",
            ["Notifications__Webhook__Url"] = receiver.Url("/webhook"),
            ["Notifications__Webhook__Secret"] = AlertScenario.WebhookSecret,
            ["Notifications__PollInterval"] = "00:00:00.200",
            ["Serilog__MinimumLevel__Default"] = "Warning",
            // Every client is 127.0.0.1: the per-address limit would answer 429 to the load itself.
            ["RateLimit__PerClientRequestsPerSecond"] = "0",
            ["Auth__ApiKeys__0__Name"] = "on-call",
            ["Auth__ApiKeys__0__Key"] = TestApp.ReaderKey,
            ["Auth__ApiKeys__0__Role"] = "reader",
        };
        // Application names tell the replicas' sessions apart in pg_stat_activity (the failure messages list them).
        var replicas = await Task.WhenAll(ServiceProcess.StartAsync(connectionString + ";Application Name=replica-a", settings),
            ServiceProcess.StartAsync(connectionString + ";Application Name=replica-b", settings));
        await using var a = replicas[0];
        await using var b = replicas[1];
        using var toA = new HttpClient { BaseAddress = a.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var toB = new HttpClient { BaseAddress = b.Address, Timeout = TimeSpan.FromSeconds(30) };
        var api = LivePki.Create("api.bank.example", "replicas");
        var login = LivePki.Create("login.bank.example", "replicas");
        var acknowledged = new ConcurrentBag<string>();
        var killed = 0;
        var host = "api.bank.example";
        using var stop = new CancellationTokenSource();

        // Half the clients post to A, half to B; after the kill A's clients fail over to B, as a load balancer would. A few
        // hundred reports a second, each a new device: every minute the closer folds is then as wide as an incident's.
        var clients = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var device = $"replica-{c}-{i}";
                var target = c % 2 == 0 && Volatile.Read(ref killed) == 0 ? toA : toB;
                var name = Volatile.Read(ref host);
                var pki = name == "api.bank.example" ? api : login;
                try
                {
                    var body = new StringContent(ReportJson.Ios(name, pki.Chain, [Pin], vendorId: device, appVersion: "3.1.0", bundleId: App).ToJsonString(),
                        Encoding.UTF8, "application/json");
                    var response = await target.PostAsync("/v1/reports", body, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.NoContent) acknowledged.Add(device);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A died mid-request: no answer, no promise.
                }
                await Task.Delay(40, CancellationToken.None);
            }
        }, CancellationToken.None)).ToList();

        await using var db2 = NpgsqlDataSource.Create(connectionString);
        // What a failed wait shows: each replica's warnings and the sessions holding advisory locks or running queries.
        async Task<string> StateAsync()
        {
            var lines = new List<string>();
            await using (var command = db2.CreateCommand("""
                SELECT coalesce(a.application_name, '') || ' ' || a.state || ' ' || coalesce(a.wait_event_type || ':' || a.wait_event, '') || ' '
                       || coalesce(l.objid::text, '-') || ' ' || left(a.query, 80)
                FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory'
                WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND (a.state <> 'idle' OR l.pid IS NOT NULL)
                UNION ALL SELECT 'edge ' || edge || ' ' || coalesce(at::text, 'null') FROM rollup_watermarks
                """))
            await using (var reader = await command.ExecuteReaderAsync(Ct))
            {
                while (await reader.ReadAsync(Ct)) lines.Add(reader.GetString(0));
            }
            foreach (var (name, replica) in new[] { ("A", a), ("B", b) })
            {
                lines.AddRange(replica.Output.Where(l => l.Contains("\"Warning\"", StringComparison.Ordinal) || l.Contains("\"Error\"", StringComparison.Ordinal))
                    .TakeLast(8).Select(l => $"{name}: {(l.Length > 400 ? l[..400] : l)}"));
            }
            return string.Join('\n', lines);
        }
        async Task<long> Drained() => await ScalarAsync(db2, "SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL") == 0 ? 1 : 0;
        // Phase 1: both replicas up. The load is a brand-new series with far more than 20 devices: it fires.
        await WaitForAsync(() => Task.FromResult((long)Deliveries(receiver).Count), 1, 120, "a first alert notification", StateAsync);
        await WaitForAsync(() => Drained(), 1, 60, "the outbox drained", StateAsync);

        // Phase 2: SIGKILL one replica under load, then traffic for a second host, whose alert only the survivor can raise.
        a.Kill();
        Volatile.Write(ref killed, 1);
        var killedAt = DateTimeOffset.UtcNow;
        var closedAtKill = await ScalarTimeAsync(db2, "SELECT at FROM rollup_watermarks WHERE edge = 'closed'");
        Volatile.Write(ref host, "login.bank.example");
        await WaitForAsync(() => ScalarAsync(db2, "SELECT count(*) FROM alerts WHERE noted_hostname = 'login.bank.example' AND fired_at IS NOT NULL"), 1, 150, "the survivor's alert for the second host", StateAsync);
        await WaitForAsync(() => Drained(), 1, 60, "the outbox drained after the kill", StateAsync);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        // Every 204 stored.
        await using (var stored = await ReadOnlyDb.OpenAsync(connectionString))
        {
            var hashes = await stored.DeviceHashesAsync(Ct);
            var missing = acknowledged.Where(d => !hashes.Contains(ReadOnlyDb.DeviceHash(d))).ToList();
            Assert.True(acknowledged.Count > 200, $"load acknowledged: {acknowledged.Count}");
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged reports are missing, e.g. {string.Join(", ", missing.Take(5))}");
        }

        // Alert evaluation: every minute from the first to the last evaluated exactly once (the PK says "at most"; no gap
        // says the survivor took over), and past the kill.
        // One statement, so a minute evaluated meanwhile cannot make count and span disagree.
        var gaps = await ScalarAsync(db2, "SELECT extract(epoch FROM max(minute) - min(minute))::bigint / 60 + 1 - count(*) FROM alert_evaluations");
        var evaluated = await ScalarAsync(db2, "SELECT count(*) FROM alert_evaluations");
        Assert.True(gaps == 0, $"{gaps} minutes between the first and the last evaluated minute were never evaluated");
        var lastMinute = await ScalarTimeAsync(db2, "SELECT max(minute) FROM alert_evaluations");
        Assert.True(lastMinute > killedAt, $"no minute after the kill ({killedAt:O}) was evaluated; last {lastMinute:O}");

        // Each alert state change reached the receiver exactly once: no delivery twice, every delivered outbox row received,
        // one trigger per fired alert, none of them a late catch-up ("missed") because a minute went unevaluated.
        // The outbox rows of an alert commit with it: once drained after reading the fired alerts, all of theirs are out.
        var fired = await Ids(db2, "SELECT id FROM alerts WHERE fired_at IS NOT NULL");
        await WaitForAsync(Drained, 1, 60, "the outbox drained after the load", StateAsync);
        var delivered = await Ids(db2, "SELECT id FROM notification_outbox WHERE delivered_at IS NOT NULL");
        var deliveries = Deliveries(receiver);
        Assert.Equal(deliveries.Count, deliveries.Select(d => d.Id).Distinct().Count());
        Assert.Subset(deliveries.Select(d => long.Parse(d.Id, CultureInfo.InvariantCulture)).ToHashSet(), delivered.ToHashSet());
        var triggers = deliveries.Where(d => d.Event == "trigger").ToList();
        Assert.Equal(triggers.Count, triggers.Select(t => t.AlertId).Distinct().Count());
        Assert.Subset(triggers.Select(t => t.AlertId).ToHashSet(), fired.ToHashSet());
        Assert.DoesNotContain(deliveries, d => d.Event == "missed");
        Assert.Contains(deliveries, d => d.Body.Contains("login.bank.example", StringComparison.Ordinal));

        // Rollup closer and pin inventory: edges past the kill (the survivor's work), and each report counted once.
        // The closer's closed edge moves on after the kill (it was wherever the folds had got to at the kill).
        await WaitForAsync(async () => await ScalarTimeAsync(db2, "SELECT at FROM rollup_watermarks WHERE edge = 'closed'") > closedAtKill ? 1 : 0, 1, 180,
            "the closed edge moving after the kill", StateAsync);
        await WaitForAsync(async () => await ScalarTimeAsync(db2, "SELECT watermark FROM pin_inventory_state WHERE id = 1") > killedAt ? 1 : 0, 1, 60, "the pin inventory past the kill", StateAsync);
        var total = await ScalarAsync(db2, "SELECT count(*) FROM reports");
        await WaitForAsync(async () => await ScalarAsync(db2, "SELECT count(*) FROM reports WHERE received_at < (SELECT watermark FROM pin_inventory_state WHERE id = 1)") == total ? 1 : 0,
            1, 60, "the pin inventory through every report");
        Assert.Equal(total, await ScalarAsync(db2, "SELECT coalesce(sum(reports), 0) FROM pin_inventory"));
        using var toSurvivor = new HttpClient { BaseAddress = b.Address };
        toSurvivor.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestApp.ReaderKey);
        Assert.Equal(total, await StatsTotalAsync(toSurvivor));

        // Partition maintenance and retention: the expired partition is gone, and neither replica logged a failed run.
        Assert.Equal(0, await ScalarAsync(db2, $"SELECT count(*) FROM pg_class WHERE relname = '{PartitionSql.PartitionName(expired)}'"));
        foreach (var (name, replica) in new[] { ("A", a), ("B", b) })
        {
            var failures = replica.Output.Where(l => l.Contains("maintenance failed", StringComparison.OrdinalIgnoreCase)
                || l.Contains("closer failed", StringComparison.OrdinalIgnoreCase) || l.Contains("refresh failed", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(failures.Count == 0, $"replica {name} logged a failed background job: {string.Join('\n', failures.Take(3))}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"two replicas: {acknowledged.Count} acknowledged, {evaluated} minutes evaluated, {deliveries.Count} notifications, {fired.Count} alerts fired, killed at {killedAt:HH:mm:ss}"));
    }

    private sealed record Delivery(string Id, string Event, long AlertId, string Body);

    private static List<Delivery> Deliveries(Receiver receiver) => [.. receiver.At("/webhook").Select(r =>
    {
        using var json = JsonDocument.Parse(r.Body);
        return new Delivery(r.Headers.GetValueOrDefault("X-PinReports-Delivery") ?? "", json.RootElement.GetProperty("event").GetString()!,
            json.RootElement.GetProperty("alert").GetProperty("id").GetInt64(), r.Body);
    })];

    /// <summary>The survivor's <c>/v1/stats/failures</c> total over the test's hours (closed buckets from the closer's tables).</summary>
    private static async Task<long> StatsTotalAsync(HttpClient client)
    {
        var now = DateTimeOffset.UtcNow;
        var from = Uri.EscapeDataString(now.AddHours(-2).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(now.AddHours(1).ToString("O", CultureInfo.InvariantCulture));
        using var stats = JsonDocument.Parse(await client.GetStringAsync($"/v1/stats/failures?from={from}&to={to}&interval=1h", Ct));
        return stats.RootElement.GetProperty("series").EnumerateArray()
            .SelectMany(s => s.GetProperty("buckets").EnumerateArray()).Sum(b => b.GetProperty("reports").GetInt64());
    }

    private static async Task<List<long>> Ids(NpgsqlDataSource db, string sql)
    {
        var ids = new List<long>();
        await using var command = db.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) ids.Add(reader.GetInt64(0));
        return ids;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }

    private static async Task<DateTimeOffset> ScalarTimeAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct) is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
    }

    private static async Task WaitForAsync(Func<Task<long>> value, long atLeast, int seconds, string what, Func<Task<string>>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (await value() < atLeast)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {seconds} s\n{(state is null ? "" : await state())}");
            await Task.Delay(250, Ct);
        }
    }
}
