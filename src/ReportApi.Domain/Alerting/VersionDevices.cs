namespace ReportApi.Domain.Alerting;

/// <summary>Distinct failing devices of one app version in the window, with its active devices when known.</summary>
public sealed record VersionDevices(string App, string Version, int Devices, int? ActiveDevices = null)
{
    public double? Share => ActiveDevices is int active && active > 0 ? (double)Devices / active : null;
}
