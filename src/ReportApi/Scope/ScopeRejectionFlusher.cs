using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Scope;

/// <summary>
/// Adds this replica's out-of-scope counts to <c>scope_rejections</c> every <see cref="ScopeOptions.FlushInterval"/> (and
/// on shutdown), and prunes rows not seen for the retention. Logs the start-up warning when no scope is set.
/// </summary>
internal sealed partial class ScopeRejectionFlusher(
    ScopeRejections rejections, NpgsqlDataSource dataSource, IOptions<ScopeOptions> options, TimeProvider time,
    ILogger<ScopeRejectionFlusher> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.IsSet) LogNoScope();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        // Shutdown: what was counted since the last tick is not lost.
        await FlushAsync(CancellationToken.None);
    }

    internal async Task FlushAsync(CancellationToken ct)
    {
        var batch = rejections.Drain();
        if (batch.Count == 0) return;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(ScopeSql.Flush, connection);
            command.Parameters.Add(Texts(batch.Select(e => e.App)));
            command.Parameters.Add(Texts(batch.Select(e => e.Platform)));
            command.Parameters.Add(Texts(batch.Select(e => e.Hostname)));
            command.Parameters.Add(Texts(batch.Select(e => e.Reason)));
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(e => e.Reports).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(Times(batch.Select(e => e.FirstSeen)));
            command.Parameters.Add(Times(batch.Select(e => e.LastSeen)));
            command.Parameters.Add(new NpgsqlParameter { Value = options.Value.MaxRejectionRows, NpgsqlDbType = NpgsqlDbType.Integer });
            await command.ExecuteNonQueryAsync(ct);
            await using var prune = new NpgsqlCommand(ScopeSql.Prune, connection);
            prune.Parameters.Add(new NpgsqlParameter
            {
                Value = time.GetUtcNow().AddDays(-options.Value.RejectionRetentionDays).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz,
            });
            await prune.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The database may be down: keep the counts for the next flush (still bounded by ScopeRejections).
            rejections.Restore(batch);
            LogFlushFailed(e);
        }
    }

    private static NpgsqlParameter Texts(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Times(IEnumerable<DateTimeOffset> values) =>
        new() { Value = values.Select(v => v.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest:Scope is not set: POST /v1/reports accepts reports for any app and host, " +
        "so anyone can store reports, create series and open alerts for names you never configured. Set Ingest:Scope:Apps and " +
        "Ingest:Scope:Hosts (see README, 'Scope').")]
    private partial void LogNoScope();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not flush the out-of-scope tally; retrying at the next flush")]
    private partial void LogFlushFailed(Exception exception);
}
