using System.Text.RegularExpressions;

namespace ReportApi.Tests.Architecture;

/// <summary>
/// Which feature folder of src/ReportApi imports which, read from the sources: a file's feature is the second segment
/// of its namespace (<c>ReportApi.Alerting.Backtesting</c> → Alerting); its imports are its <c>using ReportApi.X</c>
/// directives and any fully qualified <c>ReportApi.X.</c> name in the code. C# needs one of the two to name another
/// feature's type (the root namespace and a feature's own sub-namespaces are visible without), so the graph misses
/// nothing the compiler would accept.
/// </summary>
public sealed partial class FeatureGraph
{
    private readonly Dictionary<string, SortedSet<string>> _edges = new(StringComparer.Ordinal);
    private readonly Dictionary<(string From, string To), string> _witness = new();

    public IReadOnlyDictionary<string, SortedSet<string>> Edges => _edges;

    /// <summary>One file that makes the edge, so a failing test says where to look.</summary>
    public string WitnessOf(string from, string to) => _witness[(from, to)];

    public static FeatureGraph Read(string sourceRoot)
    {
        var graph = new FeatureGraph();
        foreach (var file in Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(sourceRoot, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal)) continue;
            var text = File.ReadAllText(file);
            var declared = NamespaceDeclaration().Match(text);
            if (!declared.Success) continue;
            var from = declared.Groups["feature"].Value;
            graph._edges.TryAdd(from, new SortedSet<string>(StringComparer.Ordinal));
            foreach (Match reference in FeatureReference().Matches(StripComments(text)))
            {
                var to = reference.Groups["feature"].Value;
                if (to == from || to == "Domain" || to == "Tests") continue;
                if (graph._edges[from].Add(to)) graph._witness[(from, to)] = relative;
            }
        }
        return graph;
    }

    /// <summary>Strongly connected components with more than one feature: each is a loop of imports.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var indices = new Dictionary<string, int>();
        var lowLinks = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string node)
        {
            indices[node] = lowLinks[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in _edges.GetValueOrDefault(node) ?? [])
            {
                if (!indices.ContainsKey(next))
                {
                    Visit(next);
                    lowLinks[node] = Math.Min(lowLinks[node], lowLinks[next]);
                }
                else if (onStack.Contains(next)) lowLinks[node] = Math.Min(lowLinks[node], indices[next]);
            }
            if (lowLinks[node] != indices[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != node);
            if (component.Count > 1) cycles.Add(component.Order(StringComparer.Ordinal).ToList());
        }

        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal))
            if (!indices.ContainsKey(node)) Visit(node);
        return cycles;
    }

    // Comments cite other features ("see Alerting/…") without importing them.
    private static string StripComments(string text) => Comment().Replace(text, "");

    [GeneratedRegex(@"^namespace\s+ReportApi\.(?<feature>\w+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"(?<![\w.])ReportApi\.(?<feature>\w+)(?=[.;\s])")]
    private static partial Regex FeatureReference();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();
}
