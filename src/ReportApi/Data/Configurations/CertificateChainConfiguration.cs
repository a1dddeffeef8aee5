using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class CertificateChainConfiguration : IEntityTypeConfiguration<CertificateChainEntity>
{
    public void Configure(EntityTypeBuilder<CertificateChainEntity> builder)
    {
        builder.ToTable("certificate_chains");
        builder.HasKey(c => c.Fingerprint);
        builder.Property(c => c.Certificates).HasColumnType("jsonb");
    }
}
