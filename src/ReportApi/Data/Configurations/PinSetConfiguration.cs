using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class PinSetConfiguration : IEntityTypeConfiguration<PinSetEntity>
{
    public void Configure(EntityTypeBuilder<PinSetEntity> builder)
    {
        builder.ToTable("pin_sets");
        builder.HasKey(p => p.Fingerprint);
    }
}
