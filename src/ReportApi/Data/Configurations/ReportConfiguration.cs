using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class ReportConfiguration : IEntityTypeConfiguration<ReportEntity>
{
    public void Configure(EntityTypeBuilder<ReportEntity> builder)
    {
        builder.ToTable("reports");
        // Postgres requires the partition key in every unique index of a partitioned table.
        builder.HasKey(r => new { r.Id, r.ReceivedAt });
        builder.Property(r => r.Raw).HasColumnType("jsonb");
        builder.HasIndex(r => r.ReceivedAt);
        builder.HasIndex(r => new { r.AppBundleId, r.AppVersion, r.ReceivedAt });
        builder.HasIndex(r => new { r.NotedHostname, r.ReceivedAt });
        builder.HasIndex(r => r.DeviceHash);
    }
}
