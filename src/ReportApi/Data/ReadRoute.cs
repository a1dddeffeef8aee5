using Npgsql;

namespace ReportApi.Data;

/// <summary>
/// The read route (issue #16): the keyed <see cref="NpgsqlDataSource"/> that stats, report queries and CSV export read
/// from. With <c>ConnectionStrings:PostgresReadOnly</c> set it is a streaming standby (its own pool); otherwise it is the
/// primary's data source itself. Everything that must read its own writes (ingest, alert acknowledge, admin endpoints,
/// device deletion, background jobs, the deferred diagnosis pass) takes the unkeyed primary data source instead.
/// </summary>
internal static class ReadRoute
{
    /// <summary>Service key of the read route's <see cref="NpgsqlDataSource"/> and <c>ReportQueries</c>.</summary>
    public const string Key = "read-only";

    public const string ConnectionStringName = "PostgresReadOnly";

    public static IHostApplicationBuilder AddReadRoute(this IHostApplicationBuilder builder)
    {
        var readOnly = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(readOnly))
        {
            builder.Services.AddKeyedSingleton(Key, (sp, _) => sp.GetRequiredService<NpgsqlDataSource>());
            return builder;
        }
        builder.Services.AddKeyedSingleton(Key, (_, _) => DataSourceFactory.Build(readOnly, "pinreports-read-only",
            "ConnectionStrings:PostgresReadOnly",
            // A standby refuses every write anyway; with a fall-back to the primary (prefer-standby) this keeps it so.
            dataSourceBuilder => dataSourceBuilder.ConnectionStringBuilder.Options ??= "-c default_transaction_read_only=on"));
        builder.Services.AddHostedService<ReplicaLagMonitor>();
        return builder;
    }
}
