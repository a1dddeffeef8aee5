using Microsoft.EntityFrameworkCore;

namespace ReportApi.Data;

/// <summary>EF Core owns the schema and its migrations; the hot path writes with Npgsql COPY on the same data source.</summary>
public sealed class PinReportsDbContext(DbContextOptions<PinReportsDbContext> options) : DbContext(options)
{
    public DbSet<ReportEntity> Reports => Set<ReportEntity>();
    public DbSet<CertificateChainEntity> CertificateChains => Set<CertificateChainEntity>();
    public DbSet<PinSetEntity> PinSets => Set<PinSetEntity>();
    public DbSet<ReportDedupEntity> ReportDedup => Set<ReportDedupEntity>();
    public DbSet<PinInventoryEntity> PinInventory => Set<PinInventoryEntity>();
    public DbSet<FailureSeriesEntity> FailureSeries => Set<FailureSeriesEntity>();
    public DbSet<AppActivityEntity> AppActivity => Set<AppActivityEntity>();
    public DbSet<AlertEntity> Alerts => Set<AlertEntity>();
    public DbSet<AlertEvaluationEntity> AlertEvaluations => Set<AlertEvaluationEntity>();
    public DbSet<NotificationOutboxEntity> NotificationOutbox => Set<NotificationOutboxEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PinReportsDbContext).Assembly);
}
