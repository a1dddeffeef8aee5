using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ReportApi.Data;

internal static class DatabaseExtensions
{
    /// <summary>One <see cref="NpgsqlDataSource"/> serves EF Core and the raw Npgsql hot path (one pool, one set of settings).</summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration("Database").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention").ValidateDataAnnotations().ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Postgres is required (environment variable ConnectionStrings__Postgres), " +
                "e.g. \"Host=localhost;Port=5432;Database=pinreports;Username=pinreports;Password=...\".");
        }

        var ingestRatio = Observability.TelemetryOptions.IngestRatioOf(builder.Configuration);
        builder.Services.AddSingleton(sp => DataSourceFactory.Build(connectionString, "pinreports", "ConnectionStrings:Postgres", dataSourceBuilder =>
        {
            // The writer's statements run thousands of times a minute on long-lived connections: preparing them once
            // saves the parse and plan of a multi-CTE statement on every batch (measured ~1.3 ms of ~17 ms).
            var hot = sp.GetService<Observability.HotRoutes>() ?? new Observability.HotRoutes([], []);
            if (dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare == 0) dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            dataSourceBuilder.ConfigureTracing(tracing => tracing.ConfigureBatchFilter(batch => Observability.IngestTraceSampling.TraceBatch(batch, ingestRatio, hot)));
        }));
        builder.Services.AddDbContext<PinReportsDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention());
        builder.Services.AddSingleton<PartitionMaintenance>();
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddHostedService<MaintenanceService>();
        builder.AddReadRoute();
        return builder;
    }
}
