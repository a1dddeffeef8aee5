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
        builder.Services.AddKeyedSingleton(Key, (_, _) =>
        {
            var dataSourceBuilder = new NpgsqlDataSourceBuilder(readOnly) { Name = "pinreports-read-only" };
            // A standby refuses every write; saying so up front turns a mistaken write into a clear error, not a surprise.
            dataSourceBuilder.ConnectionStringBuilder.Options ??= "-c default_transaction_read_only=on";
            return dataSourceBuilder.Build();
        });
        builder.Services.AddHostedService<ReplicaLagMonitor>();
        return builder;
    }

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionStringName));
}
