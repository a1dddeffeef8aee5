using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class ReportDedupConfiguration : IEntityTypeConfiguration<ReportDedupEntity>
{
    public void Configure(EntityTypeBuilder<ReportDedupEntity> builder)
    {
        builder.ToTable("report_dedup");
        builder.HasKey(d => d.DedupKey);
        builder.HasIndex(d => d.LastStoredAt);
    }
}
