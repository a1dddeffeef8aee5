namespace ReportApi.Data;

/// <summary>
/// Denominators posted by an operator (<c>POST /v1/activity</c>): devices active per app, version, platform and UTC
/// day, from the app's own analytics. Failure rates exist only where these rows do.
/// </summary>
public sealed class AppActivityEntity
{
    public required string App { get; init; }
    public required string Version { get; init; }
    public required string Platform { get; init; }
    public required DateOnly Day { get; init; }
    public required long ActiveDevices { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}
