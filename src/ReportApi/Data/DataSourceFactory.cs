using Npgsql;

namespace ReportApi.Data;

/// <summary>
/// Builds the service's data sources from a connection string, including the failover form of issue #16,
/// <c>Host=pg1,pg2,pg3;Target Session Attributes=primary</c> (and <c>prefer-standby</c> for the read route). Npgsql accepts
/// <c>Target Session Attributes</c> on a connection, but <see cref="NpgsqlDataSourceBuilder.Build"/> refuses it on a host
/// list ("cannot specify TargetSessionAttributes" for a multi-host data source): the attribute is taken out of the
/// string, the multi-host data source built, and the wrapper for that attribute returned, so operators write the
/// connection string they would write for libpq or Patroni's documentation.
/// </summary>
internal static class DataSourceFactory
{
    public static NpgsqlDataSource Build(string connectionString, string name, string key, Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        try
        {
            return BuildChecked(connectionString, name, key, configure);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the keyword, not where it came from; the connection string itself may hold a password.
            throw new InvalidOperationException($"{key} is not a valid connection string: {e.Message}", e);
        }
    }

    private static NpgsqlDataSource BuildChecked(string connectionString, string name, string key, Action<NpgsqlDataSourceBuilder>? configure)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        configure?.Invoke(builder);
        var settings = builder.ConnectionStringBuilder;
        if (settings.Host is not { } host || !host.Contains(',', StringComparison.Ordinal) || settings.TargetSessionAttributes is not { } attribute)
        {
            return builder.Build();
        }
        if (!Enum.TryParse<TargetSessionAttributes>(attribute.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var target))
        {
            throw new InvalidOperationException(
                $"{key}: Target Session Attributes '{attribute}' is not one of any, primary, standby, prefer-primary, prefer-standby, read-write, read-only.");
        }
        settings.TargetSessionAttributes = null;
        return builder.BuildMultiHost().WithTargetSession(target);
    }
}
