using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class FailureSeriesConfiguration : IEntityTypeConfiguration<FailureSeriesEntity>
{
    public void Configure(EntityTypeBuilder<FailureSeriesEntity> builder)
    {
        builder.ToTable("failure_series");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        // The writer upserts against this key; its column order is the one the dashboards filter by first.
        builder.HasIndex(s => new { s.App, s.Version, s.Platform, s.NotedHostname, s.Hostname, s.Diagnosis, s.Enforce }).IsUnique();
    }
}
