using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReportApi.Data.Configurations;

internal sealed class PinInventoryConfiguration : IEntityTypeConfiguration<PinInventoryEntity>
{
    public void Configure(EntityTypeBuilder<PinInventoryEntity> builder)
    {
        builder.ToTable("pin_inventory");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).UseIdentityAlwaysColumn();
        // The refresh upserts on this key; NULLS NOT DISTINCT so reports without app fields still collapse into one row.
        builder.HasIndex(p => new { p.AppBundleId, p.AppVersion, p.AppPlatform, p.NotedHostname, p.PinSetFingerprint })
            .IsUnique().AreNullsDistinct(false);
        builder.HasIndex(p => p.LastSeen);
    }
}

internal sealed class PinInventoryDeviceConfiguration : IEntityTypeConfiguration<PinInventoryDeviceEntity>
{
    public void Configure(EntityTypeBuilder<PinInventoryDeviceEntity> builder)
    {
        builder.ToTable("pin_inventory_devices");
        builder.HasKey(d => new { d.InventoryId, d.DeviceHash });
        builder.HasOne<PinInventoryEntity>().WithMany().HasForeignKey(d => d.InventoryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PinInventoryStateConfiguration : IEntityTypeConfiguration<PinInventoryStateEntity>
{
    public void Configure(EntityTypeBuilder<PinInventoryStateEntity> builder)
    {
        builder.ToTable("pin_inventory_state");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}
