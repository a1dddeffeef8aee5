using System.Text.RegularExpressions;
using System.Xml.Linq;
using ReportApi.Tests.Infrastructure;

namespace ReportApi.Tests.Architecture;

/// <summary>
/// The shape issue #18 gave the code, held so it cannot drift back: no feature imports another in a loop, the domain
/// stays pure (no packages, no configuration section names), and simulation code stays out of what ships.
/// </summary>
public sealed partial class ArchitectureTests
{
    [Fact]
    public void No_feature_of_the_service_imports_another_in_a_loop()
    {
        var graph = FeatureGraph.Read(RepositoryPaths.Of("src", "ReportApi"));
        Assert.True(graph.Edges.Count > 10, "the graph reader found the feature folders");

        var loops = graph.Cycles().Select(cycle => string.Join(" ⇄ ", cycle) + ": " + string.Join(", ",
            from a in cycle from b in cycle where graph.Edges[a].Contains(b) select $"{a}→{b} ({graph.WitnessOf(a, b)})"));
        Assert.Empty(loops);
    }

    [Fact]
    public void The_loop_detector_finds_a_loop_through_three_features()
    {
        using var tree = new TempDirectory("pinreports-arch-");
        File.WriteAllText(Path.Combine(tree.Path, "A.cs"), "using ReportApi.B;\nnamespace ReportApi.A;\n");
        File.WriteAllText(Path.Combine(tree.Path, "B.cs"), "namespace ReportApi.B;\nclass X { ReportApi.C.Y y; }\n");
        File.WriteAllText(Path.Combine(tree.Path, "C.cs"), "namespace ReportApi.C;\n// ReportApi.D.Z in a comment is no import\nclass Y { ReportApi.A.W w; }\n");
        File.WriteAllText(Path.Combine(tree.Path, "D.cs"), "using ReportApi.A;\nnamespace ReportApi.D;\n");

        var cycles = FeatureGraph.Read(tree.Path).Cycles();

        Assert.Equal(["A", "B", "C"], Assert.Single(cycles));
    }

    [Fact]
    public void The_domain_references_no_package_and_names_no_configuration_section()
    {
        var project = XDocument.Load(RepositoryPaths.Of("src", "ReportApi.Domain", "ReportApi.Domain.csproj"));
        Assert.Empty(project.Descendants("PackageReference"));
        Assert.Empty(project.Descendants("FrameworkReference"));

        var offenders = DomainSources()
            .SelectMany(file => ConfigurationName().Matches(File.ReadAllText(file)).Select(m => $"{Path.GetFileName(file)}: {m.Value}"))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Traffic_simulation_does_not_ship_in_the_service_or_the_domain()
    {
        var shipped = typeof(Program).Assembly.GetTypes().Concat(typeof(ReportApi.Domain.Reports.ReportDialect).Assembly.GetTypes());
        Assert.Empty(shipped.Where(t => t.Namespace?.Contains(".Replay", StringComparison.Ordinal) == true
                                        || t.Name.Contains("Simulat", StringComparison.Ordinal))
            .Select(t => t.FullName));
    }

    private static IEnumerable<string> DomainSources() =>
        Directory.EnumerateFiles(RepositoryPaths.Of("src", "ReportApi.Domain"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    // A section name constant or a "Section:Key" literal: binding configuration is the host's job.
    [GeneratedRegex(@"\bSectionName\b|""[A-Z][A-Za-z]+:[A-Z][A-Za-z]+")]
    private static partial Regex ConfigurationName();
}
