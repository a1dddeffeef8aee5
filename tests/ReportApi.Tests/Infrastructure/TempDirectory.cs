namespace ReportApi.Tests.Infrastructure;

/// <summary>
/// A directory under the system temp folder that is gone after the test (`using var`): tests write trusted-root
/// bundles and TLS private keys, and nothing of a run may be left behind (issue #14). Declare it before the app that
/// reads from it, so the app is disposed first.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (a process that outlived the test) must not fail the test; the OS cleans up later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
