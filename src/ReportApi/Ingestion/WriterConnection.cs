using System.Data;
using Npgsql;

namespace ReportApi.Ingestion;

/// <summary>
/// A writer loop's own long-lived connection, opened on first use and replaced after a failure. Keeping it out of
/// the pool keeps the per-connection staging table and skips the pool's reset (DISCARD ALL) on every batch.
/// </summary>
internal sealed class WriterConnection(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    public async Task<NpgsqlConnection> GetAsync()
    {
        if (_connection is { State: ConnectionState.Open }) return _connection;
        await ResetAsync();
        _connection = await dataSource.OpenConnectionAsync();
        return _connection;
    }

    public async Task ResetAsync()
    {
        if (_connection is null) return;
        try
        {
            await _connection.DisposeAsync();
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // Disposing a broken connection may throw; it is gone either way.
        }
        _connection = null;
    }

    public ValueTask DisposeAsync() => new(ResetAsync());
}
