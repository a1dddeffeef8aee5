using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> builder)
    {
        builder.ToTable("alerts", t => t.HasCheckConstraint("ck_alerts_status", "status IN ('pending', 'firing', 'acknowledged', 'suspicious', 'resolved')"));
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.State).HasColumnType("jsonb");
        builder.Property(a => a.DiagnosisMix).HasColumnType("jsonb");
        builder.Property(a => a.TopChain).HasColumnType("jsonb");
        builder.Property(a => a.TopVersions).HasColumnType("jsonb");

        // One open alert per series, enforced by the database: a second replica or a bug cannot open a twin.
        builder.HasIndex(a => a.SeriesKey).IsUnique().HasFilter("status IN ('pending', 'firing', 'acknowledged', 'suspicious')")
            .HasDatabaseName("ux_alerts_open_series_key");
        // GET /v1/alerts lists newest first.
        builder.HasIndex(a => a.OpenedAt);
    }
}

internal sealed class AlertEvaluationConfiguration : IEntityTypeConfiguration<AlertEvaluationEntity>
{
    public void Configure(EntityTypeBuilder<AlertEvaluationEntity> builder)
    {
        builder.ToTable("alert_evaluations");
        builder.HasKey(e => e.Minute);
    }
}

internal sealed class NotificationOutboxConfiguration : IEntityTypeConfiguration<NotificationOutboxEntity>
{
    public void Configure(EntityTypeBuilder<NotificationOutboxEntity> builder)
    {
        builder.ToTable("notification_outbox");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).UseIdentityAlwaysColumn();
        builder.Property(n => n.Payload).HasColumnType("jsonb");
        builder.HasOne<AlertEntity>().WithMany().HasForeignKey(n => n.AlertId).OnDelete(DeleteBehavior.Cascade);
        // The dispatcher's lease query: undelivered rows that are due.
        builder.HasIndex(n => new { n.DeliveredAt, n.NextAttemptAt });
    }
}
