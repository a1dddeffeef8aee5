using System.Diagnostics;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Deploy;

/// <summary>What reaches the image: no host build output in the build context, no design-time EF assets in the published app.</summary>
public sealed class DeployHygieneTests
{
    [Fact]
    public void Docker_build_context_excludes_host_build_output_and_secrets()
    {
        var ignore = File.ReadAllLines(RepositoryPaths.Of(".dockerignore")).Select(l => l.Trim()).ToHashSet();
        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
        Assert.Contains("deploy/.env", ignore);
        Assert.Contains(".git/", ignore);
        // The Dockerfile copies only what the ignore file lets through.
        foreach (var line in File.ReadLines(RepositoryPaths.Of("deploy", "Dockerfile")).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            foreach (var source in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            {
                Assert.DoesNotContain(source.TrimEnd('/') + "/", ignore);
            }
        }
    }

    [Fact]
    public void Dockerfile_base_images_are_pinned_to_exact_versions()
    {
        var images = File.ReadLines(RepositoryPaths.Of("deploy", "Dockerfile")).Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$", image));
    }

    [Fact]
    public async Task Published_output_has_no_design_time_entity_framework_assets()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // .../bin/{Configuration}/net10.0/
        var output = Directory.CreateTempSubdirectory("pinreports-publish-");
        try
        {
            var info = new ProcessStartInfo("dotnet", ["publish", RepositoryPaths.Of("src", "ReportApi", "ReportApi.csproj"), "--no-build", "--no-restore",
                "-c", configuration, "-o", output.FullName, "-nologo", "-v", "quiet"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var publish = Process.Start(info)!;
            var log = publish.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = publish.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(3));
            await publish.WaitForExitAsync(timeout.Token);
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed: {await log}{await errors}");

            var files = Directory.GetFiles(output.FullName).Select(Path.GetFileName).ToList();
            Assert.Contains("ReportApi.dll", files);
            Assert.Contains("Microsoft.EntityFrameworkCore.dll", files);
            Assert.DoesNotContain(files, f => f!.StartsWith("Microsoft.EntityFrameworkCore.Design", StringComparison.Ordinal)
                || f.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || f.StartsWith("Humanizer", StringComparison.Ordinal));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
