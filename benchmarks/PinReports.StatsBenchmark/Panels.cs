using System.Text.Json;

/// <summary>The PostgreSQL SQL of every panel of the provisioned dashboards (what Grafana sends when a dashboard opens).</summary>
internal static class Panels
{
    public static IEnumerable<(string Dashboard, string Title, string Sql)> Load(string directory)
    {
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in document.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    if (target.TryGetProperty("rawSql", out var sql))
                    {
                        yield return (Path.GetFileNameWithoutExtension(file), panel.GetProperty("title").GetString()!, sql.GetString()!);
                    }
                }
            }
        }
    }
}
