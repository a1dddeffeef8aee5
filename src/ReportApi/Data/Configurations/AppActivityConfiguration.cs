using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class AppActivityConfiguration : IEntityTypeConfiguration<AppActivityEntity>
{
    public void Configure(EntityTypeBuilder<AppActivityEntity> builder)
    {
        builder.ToTable("app_activity");
        builder.HasKey(a => new { a.App, a.Version, a.Platform, a.Day });
    }
}
