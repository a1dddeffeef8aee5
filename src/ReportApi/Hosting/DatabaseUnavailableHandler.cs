using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ReportApi.Hosting;

/// <summary>
/// A query that fails because PostgreSQL is down, restarting, failing over or out of connections answers 503 with
/// <c>Retry-After</c> (problem+json), like ingest does, instead of a 500: the client's request was fine and will work
/// later, and monitoring should see an outage, not a bug. Everything else still reaches the default 500 handler.
/// </summary>
internal sealed partial class DatabaseUnavailableHandler(IOptions<ServiceUnavailableOptions> options, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (http.Response.HasStarted || !IsUnavailable(exception)) return false;
        LogUnavailable(exception.GetType().Name);
        var retryAfter = options.Value.RetryAfterSeconds;
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await Problems.Status(StatusCodes.Status503ServiceUnavailable, "Database unavailable",
            $"The database does not answer right now; retry after {retryAfter} s.").ExecuteAsync(http);
        return true;
    }

    /// <summary>Connection-level failures anywhere in the chain: transient Npgsql errors, refused sockets, server shutdown.</summary>
    internal static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    // 08: connection exception; 57P: operator intervention (shutdown, cannot connect now); 53: resources;
                    // 25006: a read-only server (a standby, or a demoted primary during a failover); 40001: on a hot standby,
                    // a query cancelled by a conflict with recovery (and on the primary a serialization failure): both retryable.
                    if (p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal) ||
                        p.SqlState.StartsWith("53", StringComparison.Ordinal) || p.SqlState is "25006" or "40001") return true;
                    return false;
                case NpgsqlException { InnerException: null } when IsNoSuitableHost(e):
                    return true;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A multi-host connection string (<c>Host=a,b;Target Session Attributes=primary</c>) during a failover: every host is
    /// down or, by its cached state (kept <c>Host Recheck Seconds</c>), not a primary. Npgsql throws a bare
    /// <see cref="NpgsqlException"/> without an inner exception and <c>IsTransient</c> false for this
    /// (<c>NpgsqlMultiHostDataSource.NoSuitableHostsException</c>); the text is all that tells it apart.
    /// </summary>
    internal static bool IsNoSuitableHost(Exception e) =>
        e is NpgsqlException and not PostgresException && e.Message.StartsWith("No suitable host", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable ({ExceptionType}): answered 503")]
    private partial void LogUnavailable(string exceptionType);
}
