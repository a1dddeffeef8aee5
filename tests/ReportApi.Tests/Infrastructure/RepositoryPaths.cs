namespace ReportApi.Tests.Infrastructure;

/// <summary>Files of this repository, for tests that check deploy files and dashboards against the code.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PinReports.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("PinReports.sln not found above " + AppContext.BaseDirectory);
    }
}
